"""The engagement page: overview, contract, contacts, notes, documents and history, per role."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.models import User
from accord.engagements import actions
from accord.engagements.models import Contact, Document, Engagement, Note, Visibility
from accord.engagements.tests.conftest import document_on
from conftest import logged_in


def detail_url(engagement: Engagement) -> str:
    return reverse("engagements:detail", args=[engagement.slug])


@pytest.fixture
def full_engagement(
    vistula_engagement: Engagement,
    mark: User,
    client_contact: Contact,
    vendor_contact: Contact,
    internal_note: Note,
    shared_note: Note,
    internal_document: Document,
    shared_document: Document,
) -> Engagement:
    actions.update_engagement(
        actor=mark,
        engagement=vistula_engagement,
        scope="Rebuild the retail app.",
        pricing_model="time_and_materials",
        contract_reference="NWF-2026-014",
    )
    return vistula_engagement


def test_anonymous_visitors_are_sent_to_login(client, vistula_engagement: Engagement) -> None:
    # when
    response = client.get(detail_url(vistula_engagement))

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_manager_sees_every_section_of_the_engagement(
    mark: User, full_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(detail_url(full_engagement))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("vendors:detail", args=[full_engagement.vendor.slug]) in html
    assert "5 January 2026" in html and "Rebuild the retail app." in html
    assert "Time and materials" in html and "EUR 1,850,000" in html and "NWF-2026-014" in html
    assert "Sofia Reyes" in html and "Product owner" in html and "mailto:sofia@example.com" in html
    assert "tel:+44 20 7946 0000" in html and "Katarzyna Wiśniewska" in html
    assert "Budget headroom is thin." in html and "QBR moves to June." in html
    assert "Negotiation notes" in html and "Statement of work" in html
    assert 'id="history"' in html


def test_notes_are_newest_first_with_author_time_and_badge(
    mark: User, vistula_engagement: Engagement
) -> None:
    # given
    actions.add_note(actor=mark, engagement=vistula_engagement, body="First", visibility="shared")
    actions.add_note(
        actor=mark, engagement=vistula_engagement, body="Second", visibility="internal"
    )

    # when
    response = logged_in(mark).get(detail_url(vistula_engagement))

    # then
    notes = response.context["notes"]
    assert [n.body for n in notes] == ["Second", "First"]
    html = response.content.decode()
    assert html.index("Second") < html.index("First")
    assert "<strong>mark</strong>" in html
    assert ">Internal</span>" in html and ">Shared</span>" in html
    assert "<time " in html


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_never_sees_internal_notes_or_documents(
    role: str, everyone: dict[str, User], full_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).get(detail_url(full_engagement))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "QBR moves to June." in html and "Statement of work" in html
    assert "Budget headroom is thin." not in html
    assert "Negotiation notes" not in html
    assert ">Internal</span>" not in html


def test_a_vendor_user_sees_the_contract_they_signed(
    milo: User, full_engagement: Engagement
) -> None:
    # when
    response = logged_in(milo).get(detail_url(full_engagement))

    # then: budget and contract reference are the signed contract's, not internal notes
    html = response.content.decode()
    assert "EUR 1,850,000" in html and "NWF-2026-014" in html


@pytest.mark.parametrize("role", ["other_vendor_lead", "other_vendor_member"])
def test_another_vendors_engagement_is_not_found(
    role: str, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).get(detail_url(vistula_engagement))

    # then
    assert response.status_code == 404
    assert b"Mobile banking app" not in response.content


def test_an_unknown_slug_is_not_found(mark: User) -> None:
    # when
    response = logged_in(mark).get(reverse("engagements:detail", args=["nothing-here"]))

    # then
    assert response.status_code == 404


def test_empty_sections_say_plainly_there_is_nothing_yet(
    mark: User, deccan_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(detail_url(deccan_engagement))

    # then
    html = response.content.decode()
    for text in [
        "No scope written yet.",
        "No client contacts yet.",
        "No vendor contacts yet.",
        "No notes yet.",
        "No documents yet.",
    ]:
        assert text in html
    assert "Not set" in html


def test_the_page_has_no_placeholder_tabs_or_inline_script_or_style(
    mark: User, full_engagement: Engagement
) -> None:
    # when
    html = logged_in(mark).get(detail_url(full_engagement)).content.decode()

    # then
    assert 'data-bs-toggle="tab"' not in html
    assert "<script>" not in html and "style=" not in html and "onclick" not in html


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_writers_get_the_edit_button_and_every_form(
    role: str, everyone: dict[str, User], full_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).get(detail_url(full_engagement))

    # then
    html = response.content.decode()
    slug = full_engagement.slug
    assert reverse("engagements:edit", args=[slug]) in html
    assert reverse("engagements:contact_add", args=[slug]) in html
    assert reverse("engagements:note_add", args=[slug]) in html
    assert reverse("engagements:document_upload", args=[slug]) in html
    assert 'enctype="multipart/form-data"' in html
    assert 'name="visibility"' in html
    assert "data-confirm=" in html


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_member"])
def test_readers_get_no_forms_or_buttons_that_write(
    role: str, everyone: dict[str, User], full_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).get(detail_url(full_engagement))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        'method="post"' not in html.replace('action="/accounts/logout/"', "").split("</header>")[1]
    )
    assert reverse("engagements:edit", args=[full_engagement.slug]) not in html


def test_a_vendor_lead_may_add_a_note_but_not_choose_who_reads_it(
    lena: User, full_engagement: Engagement
) -> None:
    # when
    response = logged_in(lena).get(detail_url(full_engagement))

    # then
    html = response.content.decode()
    assert reverse("engagements:note_add", args=[full_engagement.slug]) in html
    assert 'hx-post="' in html
    assert "Your note is shared" in html
    assert 'name="visibility"' not in html
    assert (
        f'action="{reverse("engagements:document_upload", args=[full_engagement.slug])}"'
        not in html
    )


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("admin", True),
        ("manager", True),
        ("viewer", True),
        ("evaluator", False),
        ("vendor_lead", True),
    ],
)
def test_the_history_section_is_shown_to_those_who_may_read_the_audit_log(
    role: str, shown: bool, everyone: dict[str, User], full_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).get(detail_url(full_engagement))

    # then
    assert ('id="history"' in response.content.decode()) is shown


def test_a_vendor_users_history_holds_only_shared_objects(
    milo: User, full_engagement: Engagement
) -> None:
    # when
    response = logged_in(milo).get(detail_url(full_engagement))

    # then
    events = response.context["history"]
    assert events and all(e.shared for e in events)
    labels = {(e.object_type, e.object_repr) for e in events}
    assert ("engagements.note", "QBR moves to June.") in labels
    assert ("engagements.note", "Budget headroom is thin.") not in labels
    assert ("engagements.document", "Negotiation notes") not in labels


def test_a_managers_history_shows_internal_changes_too(
    mark: User, full_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(detail_url(full_engagement))

    # then
    labels = {e.object_repr for e in response.context["history"]}
    assert "Negotiation notes" in labels and "Budget headroom is thin." in labels
    assert response.context["history_count"] == 8


def test_history_of_another_engagement_does_not_leak_in(
    mark: User, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(detail_url(vistula_engagement))

    # then
    assert {e.engagement_id for e in response.context["history"]} == {vistula_engagement.pk}


def test_the_full_history_page_is_paginated(mark: User, vistula_engagement: Engagement) -> None:
    # given
    for n in range(60):
        actions.add_note(
            actor=mark, engagement=vistula_engagement, body=f"n{n}", visibility="shared"
        )
    url = reverse("engagements:history", args=[vistula_engagement.slug])

    # when
    detail = logged_in(mark).get(detail_url(vistula_engagement))
    first = logged_in(mark).get(url)
    second = logged_in(mark).get(url, {"page": 2})

    # then
    assert f'href="{url}"'.encode() in detail.content and b"All 61 changes" in detail.content
    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 11


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 200), ("vendor_member", 200), ("evaluator", 403), ("other_vendor_lead", 404)],
)
def test_the_history_page_follows_the_audit_rules(
    role: str, status: int, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).get(
        reverse("engagements:history", args=[vistula_engagement.slug])
    )

    # then
    assert response.status_code == status


def _queries_for_detail(user: User, engagement: Engagement) -> int:
    client = logged_in(user)
    client.get(detail_url(engagement))
    with CaptureQueriesContext(connection) as queries:
        client.get(detail_url(engagement))
    return len(queries)


@pytest.mark.parametrize("role", ["manager", "vendor_lead"])
def test_the_detail_query_count_does_not_grow_with_notes_documents_and_contacts(
    role: str, everyone: dict[str, User], mark: User, lena: User, vistula_engagement: Engagement
) -> None:
    # given
    def add_some(n: int) -> None:
        for i in range(n):
            actions.add_note(actor=lena, engagement=vistula_engagement, body=f"v{i}", visibility="")
            actions.add_note(
                actor=mark,
                engagement=vistula_engagement,
                body=f"c{i}",
                visibility=Visibility.SHARED,
            )
            actions.add_contact(
                actor=mark, engagement=vistula_engagement, side="vendor", name=f"P{i}"
            )
            document_on(vistula_engagement, mark, title=f"D{i}", visibility=Visibility.SHARED)

    add_some(1)
    few = _queries_for_detail(everyone[role], vistula_engagement)
    add_some(8)

    # when
    many = _queries_for_detail(everyone[role], vistula_engagement)

    # then (the history names related objects with one query per model on the page; with more
    # changes the engagement's own creation, and so its vendor lookup, may leave the page)
    assert many <= few


def test_a_note_by_a_deleted_author_still_shows(
    mark: User, vistula_engagement: Engagement, alice: User
) -> None:
    # given
    Note.objects.create(
        engagement=vistula_engagement, author=None, body="Orphan", visibility="shared"
    )

    # when
    response = logged_in(mark).get(detail_url(vistula_engagement))

    # then
    assert b"A former user" in response.content
