"""Notes: who may add and delete them, what is stored, and the htmx partial."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.engagements.models import Engagement, Note
from conftest import logged_in

HTMX = {"HX-Request": "true"}


def add_url(engagement: Engagement) -> str:
    return reverse("engagements:note_add", args=[engagement.slug])


def delete_url(note: Note) -> str:
    return reverse("engagements:note_delete", args=[note.engagement.slug, note.pk])


def test_a_managers_note_is_internal_unless_marked_shared(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(
        add_url(vistula_engagement), {"body": "Renewal talks start in May."}
    )

    # then
    note = Note.objects.get()
    assert response.status_code == 302 and response["Location"].endswith("#notes")
    assert (note.body, note.visibility, note.author) == (
        "Renewal talks start in May.",
        "internal",
        mark,
    )
    event = AuditEvent.objects.get(object_type="engagements.note")
    assert event.action == "create" and event.shared is False
    assert event.changes["body"] == [None, "Renewal talks start in May."]


def test_a_shared_note_is_audited_as_shared(mark: User, vistula_engagement: Engagement) -> None:
    # when
    logged_in(mark).post(
        add_url(vistula_engagement), {"body": "Demo on Friday.", "visibility": "shared"}
    )

    # then
    assert Note.objects.get().visibility == "shared"
    assert AuditEvent.objects.get(object_type="engagements.note").shared is True


def test_a_vendor_leads_note_is_always_shared(lena: User, vistula_engagement: Engagement) -> None:
    # when: even if they try to mark it internal
    response = logged_in(lena).post(
        add_url(vistula_engagement),
        {"body": "Two engineers join in March.", "visibility": "internal"},
    )

    # then
    note = Note.objects.get()
    assert response.status_code == 302
    assert (note.visibility, note.author) == ("shared", lena)
    assert AuditEvent.objects.get(object_type="engagements.note").shared is True


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("evaluator", 403),
        ("viewer", 403),
        ("vendor_member", 403),
        ("other_vendor_lead", 404),
        ("other_vendor_member", 404),
    ],
)
def test_others_may_not_add_notes(
    role: str, status: int, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).post(add_url(vistula_engagement), {"body": "Hello"})

    # then
    assert response.status_code == status
    assert not Note.objects.exists()


def test_an_empty_note_shows_one_message_and_stores_nothing(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(
        add_url(vistula_engagement), {"body": "   ", "visibility": "shared"}
    )

    # then
    assert response.status_code == 400
    assert response.context["note_form"].errors == {
        "body": ["Write something before saving the note."]
    }
    assert b"Write something before saving the note." in response.content
    assert not Note.objects.exists()


def test_a_bad_visibility_is_refused(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).post(
        add_url(vistula_engagement), {"body": "Hi", "visibility": "public"}
    )

    # then
    assert response.status_code == 400
    assert list(response.context["note_form"].errors) == ["visibility"]
    assert not Note.objects.exists()


def test_htmx_gets_the_notes_section_alone_with_the_new_note_first(
    mark: User, vistula_engagement: Engagement, shared_note: Note
) -> None:
    # when
    response = logged_in(mark).post(add_url(vistula_engagement), {"body": "Newest"}, headers=HTMX)

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="notes"')
    assert "<html" not in html
    assert html.index("Newest") < html.index("QBR moves to June.")
    assert Note.objects.count() == 2
    assert 'name="body"' in html and "Newest</textarea>" not in html


def test_htmx_gets_the_error_inside_the_notes_section(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).post(add_url(vistula_engagement), {"body": ""}, headers=HTMX)

    # then: 200, since htmx swaps only successful answers
    assert response.status_code == 200
    assert b"Write something before saving the note." in response.content
    assert not Note.objects.exists()


def test_adding_a_note_needs_a_post(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).get(add_url(vistula_engagement))

    # then
    assert response.status_code == 405


def test_a_manager_deletes_a_note(mark: User, internal_note: Note) -> None:
    # when
    response = logged_in(mark).post(delete_url(internal_note))

    # then
    assert response.status_code == 302
    assert not Note.objects.exists()
    event = AuditEvent.objects.filter(object_type="engagements.note").latest("id")
    assert event.action == "delete" and event.shared is False


def test_deleting_a_shared_note_is_audited_as_shared(alice: User, shared_note: Note) -> None:
    # when
    logged_in(alice).post(delete_url(shared_note))

    # then
    event = AuditEvent.objects.filter(object_type="engagements.note").latest("id")
    assert event.action == "delete" and event.shared is True and event.actor == alice


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
def test_only_writers_delete_shared_notes(
    role: str, status: int, everyone: dict[str, User], shared_note: Note
) -> None:
    # when
    response = logged_in(everyone[role]).post(delete_url(shared_note))

    # then
    assert response.status_code == status
    assert Note.objects.exists()


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_an_internal_note_does_not_exist_for_the_vendor(
    role: str, everyone: dict[str, User], internal_note: Note
) -> None:
    # when
    response = logged_in(everyone[role]).post(delete_url(internal_note))

    # then
    assert response.status_code == 404
    assert Note.objects.exists()


def test_a_note_is_found_only_under_its_own_engagement(
    mark: User, shared_note: Note, deccan_engagement: Engagement
) -> None:
    # when
    url = reverse("engagements:note_delete", args=[deccan_engagement.slug, shared_note.pk])
    response = logged_in(mark).post(url)

    # then
    assert response.status_code == 404
    assert Note.objects.exists()
