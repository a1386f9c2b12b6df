"""Fixtures for the engagement tests: documents, contacts, uploads and stored-file helpers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.accounts.models import User
from accord.engagements import actions
from accord.engagements.models import Contact, ContactSide, Document, Engagement, Visibility

# The smallest bytes `filetype` recognises as each kind.
PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _static_files_found_on_demand(settings: Any) -> None:
    # Every test Client builds the middleware, and WhiteNoise would index all ~6 500 static
    # files each time (a third of a second); these tests never fetch a static file.
    settings.WHITENOISE_AUTOREFRESH = True


def pdf_upload(
    name: str = "statement-of-work.pdf", content: bytes = PDF_BYTES
) -> SimpleUploadedFile:
    """A PDF as a browser would upload it."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files() -> list[str]:
    """Every file in the test's media folder, relative to it."""
    storages: Any = settings.STORAGES
    options = storages["default"]["OPTIONS"]
    root = Path(options["location"])
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    )


def document_on(
    engagement: Engagement, actor: User, *, title: str, visibility: str, name: str = "file.pdf"
) -> Document:
    return actions.add_document(
        actor=actor,
        engagement=engagement,
        title=title,
        file=ContentFile(PDF_BYTES, name=name),
        visibility=visibility,
    )


@pytest.fixture
def shared_document(vistula_engagement: Engagement, mark: User) -> Document:
    return document_on(
        vistula_engagement,
        mark,
        title="Statement of work",
        visibility=Visibility.SHARED,
        name="statement-of-work.pdf",
    )


@pytest.fixture
def internal_document(vistula_engagement: Engagement, mark: User) -> Document:
    return document_on(
        vistula_engagement,
        mark,
        title="Negotiation notes",
        visibility=Visibility.INTERNAL,
        name="negotiation-notes.pdf",
    )


@pytest.fixture
def deccan_document(deccan_engagement: Engagement, mark: User) -> Document:
    return document_on(
        deccan_engagement,
        mark,
        title="Master services agreement",
        visibility=Visibility.SHARED,
        name="msa.pdf",
    )


@pytest.fixture
def client_contact(vistula_engagement: Engagement, mark: User) -> Contact:
    return actions.add_contact(
        actor=mark,
        engagement=vistula_engagement,
        side=ContactSide.CLIENT,
        name="Sofia Reyes",
        role="Product owner",
        email="sofia@example.com",
        phone="+44 20 7946 0000",
    )


@pytest.fixture
def vendor_contact(vistula_engagement: Engagement, mark: User) -> Contact:
    return actions.add_contact(
        actor=mark,
        engagement=vistula_engagement,
        side=ContactSide.VENDOR,
        name="Katarzyna Wiśniewska",
        role="Delivery lead",
        email="kasia@example.com",
    )


@pytest.fixture
def engagement_form_data(vistula_engagement: Engagement) -> dict[str, Any]:
    """A complete, valid edit form for the Vistula engagement."""
    return {
        "name": "Mobile banking app",
        "vendor": str(vistula_engagement.vendor_id),
        "status": "active",
        "start_date": "2026-01-05",
        "end_date": "2027-03-31",
        "scope": "Rebuild the retail app.",
        "pricing_model": "time_and_materials",
        "budget": "1850000",
        "currency": "EUR",
        "contract_reference": "NWF-2026-014",
    }
