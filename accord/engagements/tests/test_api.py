"""/api/v1/engagements/: CRUD, notes, bad input and the same access rules as the web."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import PageNumberPagination
from rest_framework.test import APIClient

from accord.accounts.actions import issue_api_token
from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.engagements import actions
from accord.engagements.models import Contact, Engagement, Note
from accord.vendors.models import Vendor

LIST = "/api/v1/engagements/"


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def item(engagement: Engagement) -> str:
    return f"{LIST}{engagement.pk}/"


def notes(engagement: Engagement) -> str:
    return f"{LIST}{engagement.pk}/notes/"


# --- Reading -------------------------------------------------------------------------------------


def test_anonymous_callers_get_401(vistula_engagement: Engagement) -> None:
    # when
    answers = [
        api().get(LIST),
        api().get(item(vistula_engagement)),
        api().post(LIST, {"name": "X"}, format="json"),
        api().get(notes(vistula_engagement)),
    ]

    # then
    assert [a.status_code for a in answers] == [401] * 4


def test_a_token_works_as_the_issue_describes(mark: User, vistula_engagement: Engagement) -> None:
    # given
    _, token = issue_api_token(user=mark)

    # when
    response = APIClient().get(LIST, HTTP_AUTHORIZATION=f"Token {token}")

    # then
    assert response.status_code == 200 and response.json()["count"] == 1


def test_the_list_is_paginated(
    mark: User, vistula: Vendor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: pages of two (the page size is read when DRF's paginator class is defined)
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for name in ["A", "B", "C"]:
        actions.create_engagement(actor=mark, name=name, vendor=vistula)

    # when
    body = api(mark).get(LIST).json()

    # then
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3 and body["previous"] is None and body["next"].endswith("?page=2")
    assert [e["name"] for e in body["results"]] == ["A", "B"]


def test_a_client_user_gets_the_whole_engagement(
    victor: User, vistula_engagement: Engagement, client_contact: Contact
) -> None:
    # when
    body = api(victor).get(item(vistula_engagement)).json()

    # then
    assert body["slug"] == "mobile-banking-app" and body["vendor_name"] == "Vistula Software House"
    assert (
        body["budget"] == "1850000.00" and body["currency"] == "EUR" and body["status"] == "active"
    )
    assert body["contacts"] == [
        {
            "id": client_contact.pk,
            "side": "client",
            "name": "Sofia Reyes",
            "role": "Product owner",
            "email": "sofia@example.com",
            "phone": "+44 20 7946 0000",
        }
    ]


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_lists_and_reads_only_their_own_engagements(
    role: str,
    everyone: dict[str, User],
    vistula_engagement: Engagement,
    deccan_engagement: Engagement,
) -> None:
    # when
    listed = api(everyone[role]).get(LIST).json()
    own = api(everyone[role]).get(item(vistula_engagement))
    other = api(everyone[role]).get(item(deccan_engagement))

    # then
    assert [e["name"] for e in listed["results"]] == ["Mobile banking app"]
    assert own.status_code == 200 and own.json()["budget"] == "1850000.00"
    assert other.status_code == 404


def test_the_list_filters_by_status_vendor_and_name(
    mark: User, deccan: Vendor, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # when
    by_vendor = api(mark).get(LIST, {"vendor": deccan.pk}).json()
    by_status = api(mark).get(LIST, {"status": "proposed"}).json()
    by_name = api(mark).get(LIST, {"search": "banking"}).json()

    # then
    assert [e["name"] for e in by_vendor["results"]] == ["Payments platform"]
    assert by_status["count"] == 0
    assert [e["name"] for e in by_name["results"]] == ["Mobile banking app"]


def test_a_bad_list_filter_is_400(mark: User) -> None:
    # when
    bad_status = api(mark).get(LIST, {"status": "exploded"})
    bad_vendor = api(mark).get(LIST, {"vendor": "abc"})

    # then
    assert bad_status.status_code == 400 and "is not a status" in bad_status.json()["status"]
    assert bad_vendor.status_code == 400 and bad_vendor.json() == {
        "vendor": "The vendor filter must be a vendor id."
    }


def _queries_for_api_list(user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api(user).get(LIST).status_code == 200
    return len(queries)


def test_the_api_list_query_count_does_not_grow(mark: User, vistula: Vendor) -> None:
    # given
    first = actions.create_engagement(actor=mark, name="First", vendor=vistula)
    actions.add_contact(actor=mark, engagement=first, side="client", name="P")
    few = _queries_for_api_list(mark)
    for n in range(15):
        made = actions.create_engagement(actor=mark, name=f"E{n}", vendor=vistula)
        actions.add_contact(actor=mark, engagement=made, side="vendor", name=f"Q{n}")

    # when
    many = _queries_for_api_list(mark)

    # then
    assert many == few


# --- Creating, updating, deleting ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_a_name_and_a_vendor_are_enough_to_create(
    role: str, everyone: dict[str, User], vistula: Vendor
) -> None:
    # when
    response = api(everyone[role]).post(
        LIST, {"name": "Data platform", "vendor": vistula.pk}, format="json"
    )

    # then
    body = response.json()
    assert response.status_code == 201
    assert isinstance(body["id"], int) and body["slug"] == "data-platform"
    assert body["status"] == "proposed" and body["currency"] == "EUR" and body["budget"] is None
    event = AuditEvent.objects.get(object_type="engagements.engagement", object_id=str(body["id"]))
    assert event.action == "create" and event.actor == everyone[role]


def test_creating_with_every_field(mark: User, vistula: Vendor) -> None:
    # when
    response = api(mark).post(
        LIST,
        {
            "name": "Data platform",
            "vendor": vistula.pk,
            "slug": "data",
            "status": "active",
            "start_date": "2026-04-01",
            "end_date": "2026-12-31",
            "scope": "Lakehouse",
            "pricing_model": "fixed_price",
            "budget": "99.5",
            "currency": "GBP",
            "contract_reference": "NWF-1",
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    engagement = Engagement.objects.get(slug="data")
    assert str(engagement.budget) == "99.50" and engagement.pricing_model == "fixed_price"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "X", "vendor": 999999}, "vendor", "There is no vendor with id 999999"),
        ({"name": "X", "vendor": "abc"}, "vendor", "must be given by its id"),
        ({"name": "X"}, "vendor", "Give the id of the engagement's vendor."),
        ({"vendor": "VENDOR"}, "name", "This field is required."),
        ({"name": ["X"], "vendor": "VENDOR"}, "name", "Not a valid string."),
        (
            {"name": "X", "vendor": "VENDOR", "budget": "lots"},
            "budget",
            "A valid number is required.",
        ),
        ({"name": "X", "vendor": "VENDOR", "budget": -1}, "budget", "greater than or equal to 0"),
        (
            {"name": "X", "vendor": "VENDOR", "start_date": "tomorrow"},
            "start_date",
            "Date has wrong format",
        ),
        (
            {"name": "X", "vendor": "VENDOR", "status": "exploded"},
            "status",
            "is not a valid choice",
        ),
        ({"name": "X", "vendor": "VENDOR", "currency": "eu"}, "currency", "three-letter ISO 4217"),
        (
            {"name": "X", "vendor": "VENDOR", "start_date": "2026-05-01", "end_date": "2026-04-01"},
            "end_date",
            "The end date must not be before the start date.",
        ),
        ({"name": "X", "vendor": "VENDOR", "slug": "new"}, "slug", "reserved"),
        ({"name": "X", "vendor": "VENDOR", "slug": "mobile-banking-app"}, "slug", "is taken"),
        ({"name": "X", "vendor": "VENDOR", "slug": "no spaces"}, "slug", "Enter a valid"),
    ],
)
def test_bad_input_is_400_with_a_clear_message_and_creates_nothing(
    payload: dict[str, Any],
    field: str,
    message: str,
    mark: User,
    vistula: Vendor,
    vistula_engagement: Engagement,
) -> None:
    # given
    payload = {k: (vistula.pk if v == "VENDOR" else v) for k, v in payload.items()}
    before = (Engagement.objects.count(), AuditEvent.objects.count())

    # when
    response = api(mark).post(LIST, payload, format="json")

    # then
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert len(errors[field]) == 1 and message in errors[field][0]
    assert (Engagement.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("body", ['{"name": "X", "vendor": ', "not json", "[1, 2]", '"a string"'])
def test_malformed_or_non_object_json_is_400(body: str, mark: User, vistula: Vendor) -> None:
    # when
    response = api(mark).post(LIST, body, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json()
    assert not Engagement.objects.exists()


def test_updating_records_the_changed_fields(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = api(mark).patch(
        item(vistula_engagement), {"status": "paused", "budget": "1900000"}, format="json"
    )

    # then
    assert response.status_code == 200 and response.json()["status"] == "paused"
    event = AuditEvent.objects.filter(object_type="engagements.engagement").latest("id")
    assert event.action == "update"
    assert event.changes == {"status": ["active", "paused"], "budget": ["1850000.00", "1900000.00"]}


def test_a_full_update_with_put(mark: User, vistula_engagement: Engagement, deccan: Vendor) -> None:
    # when
    response = api(mark).put(
        item(vistula_engagement), {"name": "Retail app", "vendor": deccan.pk}, format="json"
    )

    # then
    vistula_engagement.refresh_from_db()
    assert response.status_code == 200
    assert vistula_engagement.name == "Retail app" and vistula_engagement.vendor == deccan
    assert vistula_engagement.slug == "mobile-banking-app"


@pytest.mark.parametrize(
    "payload",
    [
        {"end_date": "2025-01-01"},
        {"budget": "abc"},
        {"vendor": 999999},
        {"name": ""},
        {"slug": "new"},
    ],
)
def test_a_bad_update_is_400_and_changes_nothing(
    payload: dict[str, Any], mark: User, vistula_engagement: Engagement
) -> None:
    # given
    events = AuditEvent.objects.count()

    # when
    response = api(mark).patch(item(vistula_engagement), payload, format="json")

    # then
    fresh = Engagement.objects.get(pk=vistula_engagement.pk)
    assert response.status_code == 400
    assert (fresh.name, fresh.end_date, fresh.budget, fresh.slug) == (
        "Mobile banking app",
        None,
        vistula_engagement.budget,
        "mobile-banking-app",
    )
    assert AuditEvent.objects.count() == events


def test_deleting(alice: User, vistula_engagement: Engagement) -> None:
    # when
    response = api(alice).delete(item(vistula_engagement))

    # then
    assert response.status_code == 204
    assert not Engagement.objects.exists()
    assert AuditEvent.objects.filter(object_type="engagements.engagement", action="delete").exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("evaluator", 403), ("viewer", 403), ("vendor_lead", 403), ("vendor_member", 403)],
)
def test_readers_may_not_create(
    role: str, status: int, everyone: dict[str, User], vistula: Vendor
) -> None:
    # when
    response = api(everyone[role]).post(LIST, {"name": "X", "vendor": vistula.pk}, format="json")

    # then
    assert response.status_code == status
    assert not Engagement.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("evaluator", 403),
        ("viewer", 403),
        ("vendor_lead", 403),
        ("vendor_member", 403),
        ("other_vendor_lead", 404),
        ("other_vendor_member", 404),
    ],
)
def test_readers_may_not_update_or_delete(
    role: str, status: int, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    client = api(everyone[role])
    answers = [
        client.patch(item(vistula_engagement), {"name": "Y"}, format="json").status_code,
        client.put(
            item(vistula_engagement),
            {"name": "Y", "vendor": vistula_engagement.vendor_id},
            format="json",
        ).status_code,
        client.delete(item(vistula_engagement)).status_code,
    ]

    # then
    assert answers == [status] * 3
    vistula_engagement.refresh_from_db()
    assert vistula_engagement.name == "Mobile banking app"


def test_an_unknown_id_is_404_for_everyone(mark: User) -> None:
    # when
    answers = [
        api(mark).get(f"{LIST}999999/"),
        api(mark).get(f"{LIST}abc/"),
        api(mark).patch(f"{LIST}999999/", {}, format="json"),
    ]

    # then
    assert [a.status_code for a in answers] == [404, 404, 404]


# --- Notes -----------------------------------------------------------------------------------


def test_the_client_reads_every_note_newest_first(
    victor: User, internal_note: Note, shared_note: Note
) -> None:
    # when
    body = api(victor).get(notes(internal_note.engagement)).json()

    # then
    assert body["count"] == 2
    assert [(n["body"], n["visibility"], n["author"]) for n in body["results"]] == [
        ("QBR moves to June.", "shared", "mark"),
        ("Budget headroom is thin.", "internal", "mark"),
    ]


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_reads_only_shared_notes(
    role: str, everyone: dict[str, User], internal_note: Note, shared_note: Note
) -> None:
    # when
    body = api(everyone[role]).get(notes(internal_note.engagement)).json()

    # then
    assert [n["body"] for n in body["results"]] == ["QBR moves to June."]
    assert "Budget headroom" not in json.dumps(body)


def test_another_vendors_notes_are_not_found(dev: User, shared_note: Note) -> None:
    # when
    response = api(dev).get(notes(shared_note.engagement))

    # then
    assert response.status_code == 404


def test_a_manager_posts_a_note_internal_by_default(
    mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = api(mark).post(notes(vistula_engagement), {"body": "Renewal in May."}, format="json")

    # then
    assert response.status_code == 201
    assert response.json()["visibility"] == "internal" and response.json()["author"] == "mark"
    assert AuditEvent.objects.get(object_type="engagements.note").shared is False


def test_a_vendor_lead_posts_a_note_that_is_always_shared(
    lena: User, vistula_engagement: Engagement
) -> None:
    # when
    response = api(lena).post(
        notes(vistula_engagement), {"body": "Hi", "visibility": "internal"}, format="json"
    )

    # then
    assert response.status_code == 201 and response.json()["visibility"] == "shared"
    assert Note.objects.get().author == lena
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
def test_others_may_not_post_notes(
    role: str, status: int, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    response = api(everyone[role]).post(notes(vistula_engagement), {"body": "Hi"}, format="json")

    # then
    assert response.status_code == status
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "   "}, "body"),
        ({}, "body"),
        ({"body": "Hi", "visibility": "public"}, "visibility"),
        ({"body": ["a"]}, "body"),
    ],
)
def test_a_bad_note_is_400_and_stores_nothing(
    payload: dict[str, Any], field: str, mark: User, vistula_engagement: Engagement
) -> None:
    # when
    response = api(mark).post(notes(vistula_engagement), payload, format="json")

    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Note.objects.exists()


def test_a_malformed_note_is_400(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = api(mark).post(notes(vistula_engagement), "{oops", content_type="application/json")

    # then
    assert response.status_code == 400
    assert not Note.objects.exists()
