"""Evidence downloads: who may fetch which file, and how it is served."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from accord.vendors import actions
from accord.vendors.models import Certification, VendorDocument
from accord.vendors.tests.conftest import PDF
from conftest import logged_in

pytestmark = pytest.mark.django_db


def evidence_url(certificate: Certification) -> str:
    return reverse("vendors:certification_evidence", args=[certificate.vendor.slug, certificate.pk])


def document_url(document: VendorDocument) -> str:
    return reverse("vendors:document_download", args=[document.vendor.slug, document.pk])


@pytest.mark.parametrize(
    "role", ["admin", "manager", "evaluator", "viewer", "vendor_lead", "vendor_member"]
)
def test_the_client_and_the_vendors_own_users_download_its_evidence(
    everyone, vistula_certificate, vistula_document, role
):
    client = logged_in(everyone[role])
    for url in (evidence_url(vistula_certificate), document_url(vistula_document)):
        response = client.get(url)
        assert response.status_code == 200
        assert response.getvalue() == PDF


def test_a_certificate_is_served_as_an_attachment_named_as_uploaded(mark, vistula_certificate):
    # when
    response = logged_in(mark).get(evidence_url(vistula_certificate))
    # then
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ISO 27001 certificate.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_a_document_is_served_as_an_attachment_named_as_uploaded(lena, vistula_document):
    response = logged_in(lena).get(document_url(vistula_document))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="security-policy.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_text_file_is_served_as_plain_text_never_as_html(mark, vistula):
    # given a Markdown document whose text looks like HTML
    document = actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=VendorDocument,
        kind="other",
        title="Notes",
        file=ContentFile(b"<html><script>alert(1)</script></html>", name="notes.md"),
    )
    # when
    response = logged_in(mark).get(document_url(document))
    # then
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_non_ascii_file_name_survives_the_download(mark, vistula):
    document = actions.add_vendor_item(
        actor=mark,
        vendor=vistula,
        model=VendorDocument,
        kind="sdlc",
        title="Proces",
        file=ContentFile(PDF, name="Proces wytwórczy.pdf"),
    )
    response = logged_in(mark).get(document_url(document))
    assert "filename*=utf-8''Proces%20wytw%C3%B3rczy.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_cannot_download_another_vendors_files(
    everyone, deccan_certificate, deccan_document, role
):
    client = logged_in(everyone[role])
    assert client.get(evidence_url(deccan_certificate)).status_code == 404
    assert client.get(document_url(deccan_document)).status_code == 404


def test_a_file_is_only_found_under_its_own_vendor(lena, vistula, deccan_document):
    # when lena asks for Deccan's document by id under her own vendor's slug
    url = reverse("vendors:document_download", args=[vistula.slug, deccan_document.pk])
    # then
    assert logged_in(lena).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_login(vistula_certificate, vistula_document):
    for url in (evidence_url(vistula_certificate), document_url(vistula_document)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_certificate_without_evidence_has_nothing_to_download(mark, vistula):
    certificate = actions.add_vendor_item(
        actor=mark, vendor=vistula, model=Certification, kind="gdpr"
    )
    assert logged_in(mark).get(evidence_url(certificate)).status_code == 404


def test_a_file_missing_from_storage_answers_not_found(mark, vistula_document):
    vistula_document.file.storage.delete(vistula_document.file.name)
    assert logged_in(mark).get(document_url(vistula_document)).status_code == 404


def test_the_profile_links_each_file_through_its_download_view(
    mark, vistula_certificate, vistula_document
):
    html = (
        logged_in(mark)
        .get(reverse("vendors:detail", args=[vistula_certificate.vendor.slug]))
        .content.decode()
    )
    assert evidence_url(vistula_certificate) in html
    assert document_url(vistula_document) in html
    # the stored (random) names never appear in the page
    assert vistula_certificate.evidence.name not in html
    assert vistula_document.file.name not in html
