"""Adding, editing and deleting the pieces of a profile: locations, certificates, case studies,
references, rate-card lines and documents, with their uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.vendors.models import (
    CaseStudy,
    Certification,
    DeliveryLocation,
    RateCardLine,
    Reference,
    VendorDocument,
)
from accord.vendors.tests.conftest import EXE, PDF, PNG, stored_files, upload
from conftest import logged_in

pytestmark = pytest.mark.django_db


def url(name: str, vendor, pk: int | None = None) -> str:
    args = [vendor.slug] if pk is None else [vendor.slug, pk]
    return reverse(f"vendors:{name}", args=args)


# One valid form per kind, and what it stores.
VALID: dict[str, tuple[type[Any], dict[str, str]]] = {
    "location": (
        DeliveryLocation,
        {"city": "Gdańsk", "country": "PL", "time_zone": "Europe/Warsaw", "work_start": "09:00",
         "work_end": "17:00", "headcount": "120"},
    ),
    "certification": (
        Certification,
        {"kind": "soc2_type2", "issuer": "A-LIGN", "reference": "SOC2-114",
         "valid_from": "2025-06-01", "valid_until": "2026-05-31"},
    ),
    "case_study": (
        CaseStudy,
        {"title": "Claims portal", "client_name": "Mutua", "year": "2023",
         "summary": "Self-service claims.", "outcome": "Handling time down 38 %."},
    ),
    "reference": (
        Reference,
        {"kind": "reference", "company": "Nordbank", "contact_name": "Jonas Berg",
         "email": "jonas@nordbank.example", "may_contact": "on"},
    ),
    "rate": (
        RateCardLine,
        {"role": "QA engineer", "seniority": "Mid", "amount": "45.00", "currency": "eur",
         "unit": "hour"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(VALID))
@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_add_each_kind_of_item_and_it_is_audited(everyone, vistula, kind, role):
    # given
    model, data = VALID[kind]
    user = everyone[role]
    # when
    response = logged_in(user).post(url(f"{kind}_add", vistula), data)
    # then
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"].startswith(url("detail", vistula) + "#")
    item = model.objects.get(vendor=vistula)
    event = AuditEvent.objects.get(object_type=model._meta.label_lower, action="create")
    assert event.actor == user
    assert event.object_id == str(item.pk)
    assert event.changes["vendor"] == [None, vistula.pk]


def test_a_rate_card_currency_is_stored_in_capitals(mark, vistula):
    logged_in(mark).post(url("rate_add", vistula), VALID["rate"][1])
    assert RateCardLine.objects.get().currency == "EUR"


def test_the_rate_form_starts_with_the_vendors_currency(mark, deccan):
    deccan.currency = "USD"
    deccan.save()
    form = logged_in(mark).get(url("rate_add", deccan)).context["form"]
    assert form["currency"].value() == "USD"


BAD = [
    ("location", {"time_zone": "Mars/Olympus"}, "time_zone",
     "“Mars/Olympus” is not an IANA time zone such as Europe/Berlin."),
    ("location", {"time_zone": "CEST"}, "time_zone",
     "“CEST” is not an IANA time zone such as Europe/Berlin."),
    ("location", {"city": ""}, "city", "This field is required."),
    ("location", {"country": "ZZ"}, "country",
     "Select a valid choice. ZZ is not one of the available choices."),
    ("location", {"work_start": "25:00"}, "work_start", "Enter a valid time."),
    ("location", {"work_end": "09:00"}, "work_end",
     "Working hours must not start and end together."),
    ("certification", {"valid_until": "2025-01-01"}, "valid_until",
     "A certificate cannot expire before it starts."),
    ("certification", {"kind": "other"}, "name", "Name the certificate when its kind is “Other”."),
    ("certification", {"valid_from": "yesterday"}, "valid_from", "Enter a valid date."),
    ("case_study", {"summary": ""}, "summary", "This field is required."),
    ("case_study", {"year": "1970"}, "year", "Ensure this value is greater than or equal to 1990."),
    ("case_study", {"url": "javascript:alert(1)"}, "url", "Enter a valid URL."),
    ("reference", {"kind": "friend"}, "kind",
     "Select a valid choice. friend is not one of the available choices."),
    ("reference", {"email": "not-an-email"}, "email", "Enter a valid email address."),
    ("rate", {"amount": "-5"}, "amount", "Ensure this value is greater than or equal to 0."),
    ("rate", {"amount": "lots"}, "amount", "Enter a number."),
    ("rate", {"currency": "12"}, "currency", "Use a three-letter ISO 4217 code such as EUR."),
    ("rate", {"role": ""}, "role", "This field is required."),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "change", "field", "message"), BAD)
def test_bad_input_shows_one_message_on_its_field_and_stores_nothing(
    mark, vistula, kind, change, field, message
):
    # given
    model, data = VALID[kind]
    # when
    response = logged_in(mark).post(url(f"{kind}_add", vistula), {**data, **change})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert 'aria-invalid="true"' in response.content.decode()
    assert not model.objects.exists()
    assert not AuditEvent.objects.filter(object_type=model._meta.label_lower).exists()


def test_the_time_zone_is_chosen_from_iana_names(mark, vistula):
    html = logged_in(mark).get(url("location_add", vistula)).content.decode()
    assert '<option value="Asia/Kolkata">Asia/Kolkata</option>' in html
    assert '<option value="EST">' not in html


@pytest.mark.parametrize("kind", list(VALID))
def test_managers_edit_each_kind_of_item_and_the_change_is_audited(mark, vistula, kind):
    # given
    model, data = VALID[kind]
    logged_in(mark).post(url(f"{kind}_add", vistula), data)
    item = model.objects.get()
    field = {"location": "city", "certification": "issuer", "case_study": "title",
             "reference": "company", "rate": "role"}[kind]  # fmt: skip
    # when
    response = logged_in(mark).post(
        url(f"{kind}_edit", vistula, item.pk), {**data, field: "Changed"}
    )
    # then
    assert response.status_code == 302
    item.refresh_from_db()
    assert getattr(item, field) == "Changed"
    event = AuditEvent.objects.get(object_type=model._meta.label_lower, action="update")
    assert event.changes == {field: [data[field], "Changed"]}


def test_bad_input_on_edit_changes_nothing(mark, vistula, vistula_location):
    # when
    response = logged_in(mark).post(
        url("location_edit", vistula, vistula_location.pk),
        {**VALID["location"][1], "city": "Elsewhere", "time_zone": "Nowhere/Land"},
    )
    # then
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["time_zone"]
    assert response.context["item"].city == "Kraków"
    vistula_location.refresh_from_db()
    assert vistula_location.city == "Kraków"


@pytest.mark.parametrize("kind", list(VALID))
def test_managers_delete_each_kind_of_item_and_the_deletion_is_audited(mark, vistula, kind):
    # given
    model, data = VALID[kind]
    logged_in(mark).post(url(f"{kind}_add", vistula), data)
    item = model.objects.get()
    # when
    response = logged_in(mark).post(url(f"{kind}_delete", vistula, item.pk))
    # then
    assert response.status_code == 302
    assert not model.objects.exists()
    event = AuditEvent.objects.get(object_type=model._meta.label_lower, action="delete")
    assert event.object_id == str(item.pk)
    assert event.actor == mark


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_readers_may_not_add_change_or_delete_items(everyone, vistula, vistula_location, role):
    client = logged_in(everyone[role])
    pk = vistula_location.pk
    assert client.get(url("location_add", vistula)).status_code == 403
    assert client.post(url("location_add", vistula), VALID["location"][1]).status_code == 403
    assert client.get(url("location_edit", vistula, pk)).status_code == 403
    assert client.post(url("location_edit", vistula, pk), VALID["location"][1]).status_code == 403
    assert client.post(url("location_delete", vistula, pk)).status_code == 403
    assert list(DeliveryLocation.objects.values_list("city", flat=True)) == ["Kraków"]


@pytest.mark.parametrize("role", ["other_vendor_lead", "other_vendor_member"])
def test_a_vendor_user_cannot_reach_another_vendors_items(
    everyone, vistula, vistula_location, role
):
    client = logged_in(everyone[role])
    pk = vistula_location.pk
    assert client.get(url("location_add", vistula)).status_code == 404
    assert client.get(url("location_edit", vistula, pk)).status_code == 404
    assert client.post(url("location_delete", vistula, pk)).status_code == 404
    assert DeliveryLocation.objects.filter(pk=pk).exists()


def test_an_item_is_only_found_under_its_own_vendor(mark, vistula, deccan, vistula_location):
    # when Vistula's location is asked for under Deccan
    response = logged_in(mark).post(url("location_delete", deccan, vistula_location.pk))
    # then
    assert response.status_code == 404
    assert DeliveryLocation.objects.filter(pk=vistula_location.pk).exists()


def test_deleting_an_item_needs_a_post(mark, vistula, vistula_location):
    assert (
        logged_in(mark).get(url("location_delete", vistula, vistula_location.pk)).status_code == 405
    )


def test_every_delete_button_asks_for_confirmation(mark, vistula_profile):
    html = logged_in(mark).get(url("detail", vistula_profile)).content.decode()
    assert html.count("data-confirm=") == html.count('<form method="post"') - 1  # the log-out form


# --- uploads --------------------------------------------------------------------------------------


def test_a_certificate_keeps_its_evidence_and_the_name_it_was_uploaded_with(mark, vistula):
    # when
    response = logged_in(mark).post(
        url("certification_add", vistula),
        {**VALID["certification"][1], "evidence": upload("SOC 2 report.pdf")},
    )
    # then
    assert response.status_code == 302
    certificate = Certification.objects.get()
    assert certificate.evidence_name == "SOC 2 report.pdf"
    stored = str(certificate.evidence.name)
    assert stored.startswith("certifications/")
    assert stored.endswith(".pdf")
    assert "SOC 2 report" not in stored
    assert stored_files() == [stored]


def test_the_upload_forms_post_as_multipart(mark, vistula):
    for name in ("certification_add", "document_add"):
        html = logged_in(mark).get(url(name, vistula)).content.decode()
        assert 'enctype="multipart/form-data"' in html


def test_a_document_records_who_uploaded_it(mark, vistula):
    # when
    response = logged_in(mark).post(
        url("document_add", vistula),
        {
            "kind": "sdlc",
            "title": "Delivery lifecycle",
            "version": "3.2",
            "file": upload("sdlc.png", PNG, "image/png"),
        },
    )
    # then
    assert response.status_code == 302
    document = VendorDocument.objects.get()
    assert (document.original_name, document.uploaded_by) == ("sdlc.png", mark)
    assert AuditEvent.objects.get(object_type="vendors.vendordocument").changes["title"] == [
        None,
        "Delivery lifecycle",
    ]


def test_a_document_needs_a_file(mark, vistula):
    response = logged_in(mark).post(url("document_add", vistula), {"kind": "sdlc", "title": "SDLC"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["This field is required."]}
    assert not VendorDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "policy.pdf",
            EXE,
            "“policy.pdf” does not contain what its name says (PDF expected, found application/x-msdownload).",
        ),
        (
            "policy.pdf",
            PNG,
            "“policy.pdf” does not contain what its name says (PDF expected, found image/png).",
        ),
        (
            "policy.exe",
            EXE,
            "“policy.exe” is not an accepted type; use one of .csv, .docx, .jpeg, .jpg, .md, .pdf, .png, .pptx, .txt, .xlsx.",
        ),
        ("notes.txt", EXE, "“notes.txt” is named as text but its content is not text."),
        (
            "policy.html",
            b"<script>alert(1)</script>",
            "“policy.html” is not an accepted type; use one of .csv, .docx, .jpeg, .jpg, .md, .pdf, .png, .pptx, .txt, .xlsx.",
        ),
    ],
    ids=["exe-named-pdf", "png-named-pdf", "exe", "exe-named-txt", "html"],
)
@pytest.mark.parametrize("kind", ["certification", "document"])
def test_a_disguised_or_unwanted_file_is_refused_and_nothing_is_stored(
    mark, vistula, kind, name, content, message
):
    # given
    data = (
        {**VALID["certification"][1], "evidence": upload(name, content)}
        if kind == "certification"
        else {"kind": "sdlc", "title": "SDLC", "file": upload(name, content)}
    )
    field = "evidence" if kind == "certification" else "file"
    # when
    response = logged_in(mark).post(url(f"{kind}_add", vistula), data)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert not Certification.objects.exists()
    assert not VendorDocument.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("kind", ["certification", "document"])
def test_an_oversized_file_is_refused_and_nothing_is_stored(mark, vistula, settings, kind):
    # given a 1 MB limit and a 1.5 MB PDF
    settings.MAX_UPLOAD_MB = 1
    big = upload("big.pdf", PDF + b"0" * (1536 * 1024))
    data = (
        {**VALID["certification"][1], "evidence": big}
        if kind == "certification"
        else {"kind": "sdlc", "title": "SDLC", "file": big}
    )
    # when
    response = logged_in(mark).post(url(f"{kind}_add", vistula), data)
    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors.values()) == [["“big.pdf” is 1.5 MB; the limit is 1 MB."]]
    assert not Certification.objects.exists()
    assert not VendorDocument.objects.exists()
    assert stored_files() == []


def test_replacing_evidence_deletes_the_old_file(
    mark, vistula, vistula_certificate, django_capture_on_commit_callbacks
):
    # given
    old = vistula_certificate.evidence.name
    data = {**VALID["certification"][1], "evidence": upload("renewed.pdf")}
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(mark).post(
            url("certification_edit", vistula, vistula_certificate.pk), data
        )
    # then
    assert response.status_code == 302
    vistula_certificate.refresh_from_db()
    assert vistula_certificate.evidence_name == "renewed.pdf"
    assert stored_files() == [vistula_certificate.evidence.name]
    assert old not in stored_files()
    event = AuditEvent.objects.get(object_type="vendors.certification", action="update")
    assert event.changes["evidence_name"] == ["ISO 27001 certificate.pdf", "renewed.pdf"]


def test_editing_without_a_new_file_keeps_the_evidence(mark, vistula, vistula_certificate):
    # when
    response = logged_in(mark).post(
        url("certification_edit", vistula, vistula_certificate.pk),
        {**VALID["certification"][1], "issuer": "BSI"},
    )
    # then
    assert response.status_code == 302
    vistula_certificate.refresh_from_db()
    assert vistula_certificate.issuer == "BSI"
    assert vistula_certificate.evidence_name == "ISO 27001 certificate.pdf"
    assert stored_files() == [vistula_certificate.evidence.name]


def test_evidence_can_be_removed_from_a_certificate(
    mark, vistula, vistula_certificate, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(mark).post(
            url("certification_edit", vistula, vistula_certificate.pk),
            {**VALID["certification"][1], "remove_file": "on"},
        )
    # then
    vistula_certificate.refresh_from_db()
    assert not vistula_certificate.evidence
    assert vistula_certificate.evidence_name == ""
    assert stored_files() == []


def test_a_refused_replacement_keeps_the_old_evidence(mark, vistula, vistula_certificate):
    # when
    response = logged_in(mark).post(
        url("certification_edit", vistula, vistula_certificate.pk),
        {**VALID["certification"][1], "evidence": upload("renewed.pdf", EXE)},
    )
    # then
    assert response.status_code == 400
    vistula_certificate.refresh_from_db()
    assert vistula_certificate.evidence_name == "ISO 27001 certificate.pdf"
    assert stored_files() == [vistula_certificate.evidence.name]


def test_deleting_a_document_deletes_its_file(
    mark, vistula, vistula_document, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(mark).post(url("document_delete", vistula, vistula_document.pk))
    assert not VendorDocument.objects.exists()
    assert stored_files() == []


def test_the_edit_form_links_the_current_file_through_the_download_view(
    mark, vistula, vistula_document
):
    html = logged_in(mark).get(url("document_edit", vistula, vistula_document.pk)).content.decode()
    assert url("document_download", vistula, vistula_document.pk) in html
    assert vistula_document.file.name not in html


def test_a_document_whose_file_storage_lost_can_still_be_edited(mark, vistula, vistula_document):
    # given the stored file has gone missing (a restore without media, say)
    vistula_document.file.storage.delete(vistula_document.file.name)
    # when the manager renames it
    response = logged_in(mark).post(
        url("document_edit", vistula, vistula_document.pk),
        {"kind": "security_policy", "title": "Security policy (2026)", "version": "2026.1"},
    )
    # then the change is saved instead of failing on the missing file
    assert response.status_code == 302
    vistula_document.refresh_from_db()
    assert vistula_document.title == "Security policy (2026)"


def test_a_replacement_file_is_still_checked(mark, vistula, vistula_document):
    response = logged_in(mark).post(
        url("document_edit", vistula, vistula_document.pk),
        {"kind": "sdlc", "title": "SDLC", "file": upload("sdlc.pdf", EXE)},
    )
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["file"]
