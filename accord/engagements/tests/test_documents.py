"""Documents: upload checks, downloads under the policy, visibility changes and deletion."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.engagements.models import Document, Engagement
from accord.engagements.tests.conftest import EXE_BYTES, PDF_BYTES, pdf_upload, stored_files
from conftest import logged_in


def upload_url(engagement: Engagement) -> str:
    return reverse("engagements:document_upload", args=[engagement.slug])


def download_url(document: Document) -> str:
    return reverse("engagements:document_download", args=[document.engagement.slug, document.pk])


def visibility_url(document: Document) -> str:
    return reverse("engagements:document_visibility", args=[document.engagement.slug, document.pk])


def delete_url(document: Document) -> str:
    return reverse("engagements:document_delete", args=[document.engagement.slug, document.pk])


def test_a_manager_uploads_an_internal_document(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).post(
        upload_url(vistula_engagement),
        {"title": "Statement of work", "file": pdf_upload("SoW v2.pdf"), "visibility": "internal"},
    )

    # then
    document = Document.objects.get()
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    assert document.title == "Statement of work" and document.original_name == "SoW v2.pdf"
    assert document.uploaded_by == mark and document.visibility == "internal"
    stored = str(document.file.name)
    assert stored.startswith("engagement-documents/") and stored.endswith(".pdf")
    assert "SoW" not in stored  # stored under a random name
    assert stored_files() == [stored]
    event = AuditEvent.objects.get(object_type="engagements.document")
    assert event.action == "create" and event.shared is False
    assert event.changes["title"] == [None, "Statement of work"]


def test_a_shared_upload_is_audited_as_shared(alice: User, vistula_engagement: Engagement) -> None:
    # when
    logged_in(alice).post(
        upload_url(vistula_engagement),
        {"title": "Roadmap", "file": pdf_upload(), "visibility": "shared"},
    )

    # then
    assert AuditEvent.objects.get(object_type="engagements.document").shared is True


def _refused(response: Any) -> list[str]:
    assert response.status_code == 400
    return [str(e) for e in response.context["document_form"].errors.get("file", [])]


def test_an_exe_renamed_pdf_is_refused_and_nothing_is_stored(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(
        upload_url(vistula_engagement),
        {
            "title": "Invoice",
            "visibility": "internal",
            "file": SimpleUploadedFile("invoice.pdf", EXE_BYTES, content_type="application/pdf"),
        },
    )

    # then
    errors = _refused(response)
    assert len(errors) == 1 and "does not contain what its name says" in errors[0]
    assert "does not contain what its name says" in response.content.decode().replace("&#x27;", "'")
    assert not Document.objects.exists()
    assert stored_files() == []
    assert not AuditEvent.objects.filter(object_type="engagements.document").exists()


def test_an_oversized_file_is_refused(
    mark: User, vistula_engagement: Engagement, settings: Any
) -> None:
    # given
    settings.MAX_UPLOAD_MB = 1
    big = PDF_BYTES + b"0" * (1024 * 1024 + 1)

    # when
    response = logged_in(mark).post(
        upload_url(vistula_engagement),
        {"title": "Huge", "visibility": "internal", "file": pdf_upload("huge.pdf", big)},
    )

    # then
    errors = _refused(response)
    assert len(errors) == 1 and "the limit is 1 MB" in errors[0]
    assert stored_files() == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", EXE_BYTES, "is not an accepted type"),
        ("notes.txt", b"\x00\x01binary", "is named as text but its content is not text"),
        ("scan.png", PDF_BYTES, "does not contain what its name says"),
    ],
)
def test_files_of_the_wrong_kind_are_refused(
    name: str, content: bytes, message: str, mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(
        upload_url(vistula_engagement),
        {"title": "Something", "visibility": "internal", "file": SimpleUploadedFile(name, content)},
    )

    # then
    errors = _refused(response)
    assert len(errors) == 1 and message in errors[0]
    assert not Document.objects.exists() and stored_files() == []


def test_plain_text_and_csv_are_accepted(mark: User, vistula_engagement: Engagement) -> None:
    # when
    logged_in(mark).post(
        upload_url(vistula_engagement),
        {
            "title": "Rates",
            "visibility": "internal",
            "file": SimpleUploadedFile("rates.csv", b"role,rate\nengineer,52\n"),
        },
    )

    # then
    assert Document.objects.get().original_name == "rates.csv"


def test_an_upload_without_a_file_or_title_says_what_is_missing(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(
        upload_url(vistula_engagement), {"title": "", "visibility": "internal"}
    )

    # then
    assert response.status_code == 400
    errors = response.context["document_form"].errors
    assert errors == {"title": ["This field is required."], "file": ["Choose a file to upload."]}
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("evaluator", 403),
        ("viewer", 403),
        ("vendor_lead", 403),
        ("vendor_member", 403),
        ("other_vendor_lead", 404),
    ],
)
def test_only_writers_upload(
    role: str, status: int, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).post(
        upload_url(vistula_engagement), {"title": "X", "file": pdf_upload(), "visibility": "shared"}
    )

    # then
    assert response.status_code == status
    assert not Document.objects.exists() and stored_files() == []


@pytest.mark.parametrize(
    "role", ["admin", "manager", "evaluator", "viewer", "vendor_lead", "vendor_member"]
)
def test_a_shared_document_downloads_as_an_attachment(
    role: str, everyone: dict[str, User], shared_document: Document
) -> None:
    # when
    response = logged_in(everyone[role]).get(download_url(shared_document))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="statement-of-work.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.getvalue() == PDF_BYTES


@pytest.mark.parametrize("role", ["admin", "manager", "evaluator", "viewer"])
def test_the_client_downloads_internal_documents(
    role: str, everyone: dict[str, User], internal_document: Document
) -> None:
    # when
    response = logged_in(everyone[role]).get(download_url(internal_document))

    # then
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_direct_link_to_an_internal_document_is_not_found_for_the_vendor(
    role: str, everyone: dict[str, User], internal_document: Document
) -> None:
    # when
    response = logged_in(everyone[role]).get(download_url(internal_document))

    # then
    assert response.status_code == 404
    assert b"%PDF" not in response.content


@pytest.mark.parametrize("role", ["other_vendor_lead", "other_vendor_member"])
def test_another_vendors_document_is_not_found(
    role: str, everyone: dict[str, User], shared_document: Document
) -> None:
    # when
    response = logged_in(everyone[role]).get(download_url(shared_document))

    # then
    assert response.status_code == 404


def test_a_document_is_found_only_under_its_own_engagement(
    mark: User, shared_document: Document, deccan_engagement: Engagement
) -> None:
    # when
    url = reverse(
        "engagements:document_download", args=[deccan_engagement.slug, shared_document.pk]
    )
    response = logged_in(mark).get(url)

    # then
    assert response.status_code == 404


def test_anonymous_downloads_are_sent_to_login(client, shared_document: Document) -> None:
    # when
    response = client.get(download_url(shared_document))

    # then
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_file_missing_from_storage_is_not_found(mark: User, shared_document: Document) -> None:
    # given
    shared_document.file.storage.delete(str(shared_document.file.name))

    # when
    response = logged_in(mark).get(download_url(shared_document))

    # then
    assert response.status_code == 404


def test_non_ascii_filenames_survive_the_download(
    mark: User, vistula_engagement: Engagement
) -> None:
    # given
    logged_in(mark).post(
        upload_url(vistula_engagement),
        {"title": "Umowa", "file": pdf_upload("Umowa \u2013 Kraków.pdf"), "visibility": "internal"},
    )

    # when
    response = logged_in(mark).get(download_url(Document.objects.get()))

    # then
    assert "filename*=utf-8''Umowa%20%E2%80%93%20Krak%C3%B3w.pdf" in response["Content-Disposition"]


def test_sharing_a_document_makes_it_visible_to_the_vendor_and_is_audited(
    mark: User, milo: User, internal_document: Document
) -> None:
    # when
    response = logged_in(mark).post(visibility_url(internal_document), {"visibility": "shared"})

    # then
    internal_document.refresh_from_db()
    assert response.status_code == 302
    assert internal_document.visibility == "shared"
    assert logged_in(milo).get(download_url(internal_document)).status_code == 200
    event = AuditEvent.objects.filter(object_type="engagements.document").latest("id")
    assert event.action == "update" and event.shared is True
    assert event.changes == {"visibility": ["internal", "shared"]}


def test_making_a_document_internal_hides_it_from_the_vendor(
    mark: User, milo: User, shared_document: Document
) -> None:
    # when
    logged_in(mark).post(visibility_url(shared_document), {"visibility": "internal"})

    # then
    assert logged_in(milo).get(download_url(shared_document)).status_code == 404
    event = AuditEvent.objects.filter(object_type="engagements.document").latest("id")
    # The vendor saw it before, so they may see that it was withdrawn.
    assert event.shared is True and event.changes == {"visibility": ["shared", "internal"]}


def test_a_bad_visibility_changes_nothing(mark: User, internal_document: Document) -> None:
    # given
    events = AuditEvent.objects.count()

    # when
    response = logged_in(mark).post(
        visibility_url(internal_document), {"visibility": "public"}, follow=True
    )

    # then
    internal_document.refresh_from_db()
    assert internal_document.visibility == "internal"
    assert b"Choose whether the document is internal or shared." in response.content
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("evaluator", 403),
        ("viewer", 403),
        ("vendor_lead", 403),
        ("vendor_member", 403),
        ("other_vendor_lead", 404),
    ],
)
def test_only_writers_change_visibility_or_delete(
    role: str, status: int, everyone: dict[str, User], shared_document: Document
) -> None:
    # when
    user = logged_in(everyone[role])
    answers = [
        user.post(visibility_url(shared_document), {"visibility": "internal"}).status_code,
        user.post(delete_url(shared_document)).status_code,
    ]

    # then
    shared_document.refresh_from_db()
    assert answers == [status, status]
    assert shared_document.visibility == "shared"


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_an_internal_document_cannot_be_touched_by_the_vendor(
    role: str, everyone: dict[str, User], internal_document: Document
) -> None:
    # when
    user = logged_in(everyone[role])
    answers = [
        user.post(visibility_url(internal_document), {"visibility": "shared"}).status_code,
        user.post(delete_url(internal_document)).status_code,
    ]

    # then
    internal_document.refresh_from_db()
    assert answers == [404, 404]
    assert internal_document.visibility == "internal"


def test_deleting_a_document_removes_its_file_after_commit(
    mark: User, internal_document: Document, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    assert stored_files() == [internal_document.file.name]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(mark).post(delete_url(internal_document))

    # then
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert stored_files() == []
    event = AuditEvent.objects.filter(object_type="engagements.document").latest("id")
    assert event.action == "delete" and event.shared is False


@pytest.mark.parametrize("url", [upload_url, visibility_url, delete_url])
def test_document_writes_need_a_post(url: Any, mark: User, shared_document: Document) -> None:
    # when
    target = url(shared_document.engagement) if url is upload_url else url(shared_document)
    response = logged_in(mark).get(target)

    # then
    assert response.status_code == 405
