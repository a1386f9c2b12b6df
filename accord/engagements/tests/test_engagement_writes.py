"""Creating, editing and deleting engagements through the web pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.engagements.models import Contact, Document, Engagement, Note
from accord.engagements.tests.conftest import stored_files
from accord.vendors.models import Vendor
from conftest import logged_in

CREATE = reverse("engagements:create")


def edit_url(engagement: Engagement) -> str:
    return reverse("engagements:edit", args=[engagement.slug])


def delete_url(engagement: Engagement) -> str:
    return reverse("engagements:delete", args=[engagement.slug])


def new_engagement(
    vendor: Vendor, overrides: dict[str, Any] | None = None, **more: Any
) -> dict[str, Any]:
    return {
        "name": "Data platform",
        "vendor": str(vendor.pk),
        "status": "proposed",
        "currency": "EUR",
        **(overrides or {}),
        **more,
    }


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_an_admin_or_manager_creates_an_engagement(
    role: str, everyone: dict[str, User], vistula: Vendor
) -> None:
    # when
    response = logged_in(everyone[role]).post(
        CREATE,
        new_engagement(
            vistula,
            budget="250000.50",
            start_date="2026-04-01",
            end_date="2026-12-31",
            currency="usd",
            scope="A lakehouse.",
        ),
    )

    # then
    engagement = Engagement.objects.get(name="Data platform")
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:detail", args=["data-platform"])
    assert engagement.vendor == vistula
    assert engagement.budget == Decimal("250000.50") and engagement.currency == "USD"
    assert engagement.start_date == dt.date(2026, 4, 1)
    event = AuditEvent.objects.get(
        object_type="engagements.engagement", object_id=str(engagement.pk)
    )
    assert event.action == "create" and event.actor == everyone[role]
    assert event.changes["name"] == [None, "Data platform"]
    assert event.changes["budget"] == [None, "250000.50"]
    assert event.shared is True and event.engagement_id == engagement.pk


def test_the_form_offers_every_vendor_the_client_may_see(
    mark: User, vistula: Vendor, deccan: Vendor
) -> None:
    # when
    response = logged_in(mark).get(CREATE)

    # then
    choices = list(response.context["form"].fields["vendor"].queryset)
    assert response.status_code == 200
    assert choices == [deccan, vistula]
    assert b'class="form-select' in response.content and b'class="form-control' in response.content


@pytest.mark.parametrize("role", ["evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_everyone_else_may_not_create_an_engagement(
    role: str, everyone: dict[str, User], vistula: Vendor
) -> None:
    # when
    page = logged_in(everyone[role]).get(CREATE)
    post = logged_in(everyone[role]).post(CREATE, new_engagement(vistula))

    # then
    assert page.status_code == 403 and post.status_code == 403
    assert not Engagement.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"vendor": "999999"}, "vendor", "Choose one of the vendors in the list"),
        ({"vendor": "abc"}, "vendor", "Choose one of the vendors in the list"),
        (
            {"start_date": "2026-05-01", "end_date": "2026-04-01"},
            "end_date",
            "The end date must not be before the start date.",
        ),
        ({"start_date": "31/31/2026"}, "start_date", "Enter a valid date."),
        ({"budget": "-5"}, "budget", "greater than or equal to 0"),
        ({"budget": "lots"}, "budget", "Enter a number."),
        ({"currency": "EURO"}, "currency", "at most 3 characters"),
        ({"currency": "E1R"}, "currency", "Use a three-letter ISO 4217 code"),
        ({"status": "exploded"}, "status", "Select a valid choice."),
    ],
)
def test_bad_input_shows_one_clear_message_and_creates_nothing(
    overrides: dict[str, str], field: str, message: str, mark: User, vistula: Vendor
) -> None:
    # when
    response = logged_in(mark).post(CREATE, new_engagement(vistula, overrides))

    # then
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert len(errors[field]) == 1 and message in errors[field][0]
    assert message.encode() in response.content.replace(b"&#x27;", b"'")
    assert not Engagement.objects.exists()
    assert not AuditEvent.objects.filter(object_type="engagements.engagement").exists()


def test_an_engagement_called_new_does_not_hide_behind_the_create_page(
    mark: User, vistula: Vendor
) -> None:
    # when
    logged_in(mark).post(CREATE, new_engagement(vistula, name="New"))

    # then
    engagement = Engagement.objects.get(name="New")
    assert engagement.slug != "new"
    assert (
        logged_in(mark).get(reverse("engagements:detail", args=[engagement.slug])).status_code
        == 200
    )


def test_a_second_engagement_with_the_same_name_gets_its_own_slug(
    mark: User, vistula: Vendor, vistula_engagement: Engagement
) -> None:
    # when
    logged_in(mark).post(CREATE, new_engagement(vistula, name="Mobile banking app"))

    # then
    assert sorted(Engagement.objects.values_list("slug", flat=True)) == [
        "mobile-banking-app",
        "mobile-banking-app-2",
    ]


def test_editing_records_only_the_fields_that_changed(
    mark: User, vistula_engagement: Engagement, engagement_form_data: dict[str, Any]
) -> None:
    # given
    logged_in(mark).post(edit_url(vistula_engagement), engagement_form_data)
    before = AuditEvent.objects.count()

    # when
    response = logged_in(mark).post(
        edit_url(vistula_engagement),
        {**engagement_form_data, "status": "paused", "budget": "1900000"},
    )

    # then
    vistula_engagement.refresh_from_db()
    assert response.status_code == 302
    assert vistula_engagement.status == "paused"
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.action == "update" and event.actor == mark
    assert event.changes == {"status": ["active", "paused"], "budget": ["1850000.00", "1900000.00"]}


def test_saving_an_unchanged_form_records_nothing(
    mark: User, vistula_engagement: Engagement, engagement_form_data: dict[str, Any]
) -> None:
    # given
    logged_in(mark).post(edit_url(vistula_engagement), engagement_form_data)
    before = AuditEvent.objects.count()

    # when
    response = logged_in(mark).post(edit_url(vistula_engagement), engagement_form_data)

    # then
    assert response.status_code == 302
    assert AuditEvent.objects.count() == before


def test_editing_keeps_the_slug_so_links_keep_working(
    mark: User, vistula_engagement: Engagement, engagement_form_data: dict[str, Any]
) -> None:
    # when
    logged_in(mark).post(
        edit_url(vistula_engagement), {**engagement_form_data, "name": "Retail app"}
    )

    # then
    vistula_engagement.refresh_from_db()
    assert vistula_engagement.name == "Retail app"
    assert vistula_engagement.slug == "mobile-banking-app"


def test_the_edit_form_shows_the_stored_values(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).get(edit_url(vistula_engagement))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-01-05"' in html and 'value="Mobile banking app"' in html
    assert 'data-confirm="Delete' in html


def test_an_invalid_edit_changes_nothing(
    mark: User, vistula_engagement: Engagement, engagement_form_data: dict[str, Any]
) -> None:
    # given
    events = AuditEvent.objects.count()

    # when
    response = logged_in(mark).post(
        edit_url(vistula_engagement),
        {**engagement_form_data, "name": "Renamed", "end_date": "2020-01-01"},
    )

    # then
    vistula_engagement.refresh_from_db()
    assert response.status_code == 400
    assert b"The end date must not be before the start date." in response.content
    assert b"Edit Mobile banking app" in response.content
    assert vistula_engagement.name == "Mobile banking app" and vistula_engagement.end_date is None
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
def test_only_writers_may_edit(
    role: str,
    status: int,
    everyone: dict[str, User],
    vistula_engagement: Engagement,
    engagement_form_data: dict[str, Any],
) -> None:
    # when
    page = logged_in(everyone[role]).get(edit_url(vistula_engagement))
    post = logged_in(everyone[role]).post(
        edit_url(vistula_engagement), {**engagement_form_data, "name": "X"}
    )

    # then
    assert page.status_code == status and post.status_code == status
    vistula_engagement.refresh_from_db()
    assert vistula_engagement.name == "Mobile banking app"


def test_deleting_removes_the_engagement_its_parts_and_files(
    mark: User,
    vistula_engagement: Engagement,
    client_contact: Contact,
    internal_note: Note,
    shared_document: Document,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    assert len(stored_files()) == 1

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(mark).post(delete_url(vistula_engagement))

    # then
    assert response.status_code == 302 and response["Location"] == reverse("engagements:list")
    assert not Engagement.objects.exists()
    assert (
        not Contact.objects.exists() and not Note.objects.exists() and not Document.objects.exists()
    )
    assert stored_files() == []
    event = AuditEvent.objects.get(object_type="engagements.engagement", action="delete")
    assert event.actor == mark and event.changes["name"] == ["Mobile banking app", None]


def test_deleting_needs_a_post(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).get(delete_url(vistula_engagement))

    # then
    assert response.status_code == 405
    assert Engagement.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("evaluator", 403), ("viewer", 403), ("vendor_lead", 403), ("other_vendor_member", 404)],
)
def test_only_writers_may_delete(
    role: str, status: int, everyone: dict[str, User], vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(everyone[role]).post(delete_url(vistula_engagement))

    # then
    assert response.status_code == status
    assert Engagement.objects.filter(pk=vistula_engagement.pk).exists()


def test_anonymous_writes_are_sent_to_login(
    client, vistula: Vendor, vistula_engagement: Engagement
) -> None:
    # when
    responses = [
        client.get(CREATE),
        client.post(CREATE, new_engagement(vistula)),
        client.post(delete_url(vistula_engagement)),
    ]

    # then
    assert all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in responses)
    assert Engagement.objects.count() == 1


def test_a_slug_taken_in_a_race_is_a_clear_error_not_a_crash(
    mark: User, vistula: Vendor, vistula_engagement: Engagement, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the slug looked free when it was chosen, but another request stored it first
    monkeypatch.setattr(
        "accord.engagements.actions.unique_slug", lambda model, name: "mobile-banking-app"
    )

    # when
    response = logged_in(mark).post(CREATE, new_engagement(vistula, name="Mobile banking app"))

    # then
    assert response.status_code == 400
    assert "took the slug" in response.content.decode()
    assert Engagement.objects.count() == 1
