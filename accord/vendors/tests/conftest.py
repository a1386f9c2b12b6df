"""Vendor test data: profiles with evidence, sample uploads, and a look into stored files."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accord.accounts.models import User
from accord.vendors import actions
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    Industry,
    RateCardLine,
    Reference,
    ReferenceKind,
    Vendor,
    VendorDocument,
)

# The smallest bytes each format's sniffing recognises.
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
# A Windows executable starts with "MZ"; this one is only the header, which is all sniffing reads.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def upload(
    name: str, content: bytes = PDF, content_type: str = "application/pdf"
) -> SimpleUploadedFile:
    """A file as a browser would post it."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[str]:
    """Every file in the (per-test) media folder, relative to it."""
    root = default_storage.location  # type: ignore[attr-defined]
    found = []
    for folder, _dirs, files in os.walk(root):
        found += [os.path.relpath(os.path.join(folder, f), root) for f in files]
    return sorted(found)


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def vistula_location(vistula: Vendor) -> DeliveryLocation:
    return actions.add_vendor_item(
        actor=None,
        vendor=vistula,
        model=DeliveryLocation,
        city="Kraków",
        country="PL",
        time_zone="Europe/Warsaw",
        work_start=dt.time(8, 30),
        work_end=dt.time(16, 30),
        headcount=300,
    )


@pytest.fixture
def vistula_certificate(vistula: Vendor) -> Certification:
    return actions.add_vendor_item(
        actor=None,
        vendor=vistula,
        model=Certification,
        kind="iso_27001",
        issuer="DNV",
        reference="ISO27K-88231",
        valid_from=days(-365),
        valid_until=days(700),
        evidence=ContentFile(PDF, name="ISO 27001 certificate.pdf"),
    )


@pytest.fixture
def vistula_document(vistula: Vendor, mark: User) -> VendorDocument:
    return actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=VendorDocument,
        kind="security_policy",
        title="Information security policy",
        version="2025.1",
        file=ContentFile(PDF, name="security-policy.pdf"),
    )


@pytest.fixture
def deccan_certificate(deccan: Vendor) -> Certification:
    return actions.add_vendor_item(
        actor=None,
        vendor=deccan,
        model=Certification,
        kind="pci_dss",
        issuer="SISA",
        valid_from=days(-365),
        valid_until=days(365),
        evidence=ContentFile(PDF, name="pci-roc.pdf"),
    )


@pytest.fixture
def deccan_document(deccan: Vendor) -> VendorDocument:
    return actions.add_vendor_item(
        actor=None,
        vendor=deccan,
        model=VendorDocument,
        kind="sdlc",
        title="Delivery playbook",
        file=ContentFile(PDF, name="playbook.pdf"),
    )


@pytest.fixture
def vistula_case_study(vistula: Vendor) -> CaseStudy:
    return actions.add_vendor_item(
        actor=None,
        vendor=vistula,
        model=CaseStudy,
        title="Mobile banking app for a Nordic bank",
        client_name="Nordbank",
        industry=Industry.objects.get(slug="fintech"),
        year=2024,
        summary="Rebuilt the iOS and Android apps on a shared core.",
        outcome="App-store rating from 3.1 to 4.6.",
    )


@pytest.fixture
def vistula_reference(vistula: Vendor) -> Reference:
    return actions.add_vendor_item(
        actor=None,
        vendor=vistula,
        model=Reference,
        kind=ReferenceKind.REFERENCE,
        company="Nordbank",
        contact_name="Jonas Berg",
        contact_role="VP Engineering",
        may_contact=True,
    )


@pytest.fixture
def vistula_rate(vistula: Vendor) -> RateCardLine:
    return actions.add_vendor_item(
        actor=None,
        vendor=vistula,
        model=RateCardLine,
        role="Senior engineer",
        seniority="Senior",
        amount=Decimal("68.00"),
        unit="hour",
        currency="EUR",
    )


@pytest.fixture
def vistula_profile(
    vistula: Vendor,
    vistula_location: DeliveryLocation,
    vistula_certificate: Certification,
    vistula_document: VendorDocument,
    vistula_case_study: CaseStudy,
    vistula_reference: Reference,
    vistula_rate: RateCardLine,
) -> Vendor:
    """Vistula with one item in every section of its profile."""
    return vistula
