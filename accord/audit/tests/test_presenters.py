"""Audit history in words: names for ids, labels for codes, times where the reader is."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accord.accounts.actions import create_user, update_user
from accord.accounts.models import User
from accord.audit.actions import record_event
from accord.audit.models import AuditEvent
from accord.audit.presenters import ShownEvent, present_events, relative_time
from accord.engagements.actions import update_engagement
from accord.engagements.models import Engagement
from accord.vendors.actions import update_vendor
from accord.vendors.models import Industry, Vendor
from conftest import logged_in

pytestmark = pytest.mark.django_db

KOLKATA = zoneinfo.ZoneInfo("Asia/Kolkata")


def _latest(user: User, **filters: object) -> ShownEvent:
    event = AuditEvent.objects.filter(**filters).order_by("-id").first()
    assert event is not None
    return present_events([event], user=user)[0]


def _change(shown: ShownEvent, field: str) -> tuple[str | None, str | None]:
    change = next(c for c in shown.changes if c.field == field)
    return (
        change.before.text if change.before else None,
        change.after.text if change.after else None,
    )


def test_a_foreign_key_shows_the_related_objects_name_as_it_is_now(
    mark: User, vistula_engagement: Engagement, vistula: Vendor, deccan: Vendor
) -> None:
    # given the engagement moved from Vistula to Deccan, and Deccan was renamed since
    update_engagement(actor=mark, engagement=vistula_engagement, vendor=deccan)
    update_vendor(actor=mark, vendor=deccan, name="Deccan Digital")
    # when the change is shown
    shown = _latest(mark, object_type="engagements.engagement", action="update")
    # then both vendors appear by name, the renamed one by its new name
    assert _change(shown, "vendor") == ("Vistula Software House", "Deccan Digital")
    assert shown.changes[0].label == "Vendor"


def test_a_related_object_that_is_gone_reads_as_deleted_with_its_id(
    mark: User, vistula_engagement: Engagement, vistula: Vendor
) -> None:
    record_event(
        actor=mark,
        action="update",
        instance=vistula_engagement,
        changes={"vendor": [987654, vistula.pk]},
    )
    shown = _latest(mark, object_type="engagements.engagement", action="update")
    assert _change(shown, "vendor") == ("deleted #987654", "Vistula Software House")


def test_a_vendor_user_never_reads_another_vendors_name_in_a_history(
    milo: User, vistula_engagement: Engagement, vistula: Vendor, deccan: Vendor
) -> None:
    # given a shared event naming Deccan, which milo (Vistula) may not see
    record_event(
        actor=None,
        action="update",
        instance=vistula_engagement,
        changes={"vendor": [deccan.pk, vistula.pk]},
        engagement=vistula_engagement,
        shared=True,
    )
    # when milo reads it
    shown = _latest(milo, object_type="engagements.engagement", action="update")
    # then Deccan is neither named nor told apart from a deleted vendor
    assert _change(shown, "vendor") == (f"unavailable #{deccan.pk}", "Vistula Software House")


def test_many_to_many_values_are_listed_by_name(mark: User, vistula: Vendor) -> None:
    fintech = Industry.objects.get(slug="fintech")
    update_vendor(actor=mark, vendor=vistula, industries=[fintech])
    shown = _latest(mark, object_type="vendors.vendor", action="update")
    assert _change(shown, "industries") == (None, fintech.name)


def test_choice_values_show_their_labels(mark: User, vistula_engagement: Engagement) -> None:
    update_engagement(actor=mark, engagement=vistula_engagement, status="paused")
    shown = _latest(mark, object_type="engagements.engagement", action="update")
    assert _change(shown, "status") == ("Active", "Paused")
    assert shown.action_label == "Updated"
    assert shown.object_label == "engagement"


def test_money_shows_its_currency_even_when_only_the_amount_changed(
    mark: User, vistula_engagement: Engagement
) -> None:
    update_engagement(actor=mark, engagement=vistula_engagement, budget=Decimal("2000000"))
    shown = _latest(mark, object_type="engagements.engagement", action="update")
    assert _change(shown, "budget") == ("EUR 1,850,000.00", "EUR 2,000,000.00")


def test_money_changed_with_its_currency_shows_each_side_in_its_own(
    mark: User, vistula_engagement: Engagement
) -> None:
    update_engagement(
        actor=mark, engagement=vistula_engagement, budget=Decimal("2000000"), currency="USD"
    )
    shown = _latest(mark, object_type="engagements.engagement", action="update")
    assert _change(shown, "budget") == ("EUR 1,850,000.00", "USD 2,000,000.00")


def test_dates_and_times_are_shown_in_the_readers_time_zone(
    mark: User, vistula_engagement: Engagement
) -> None:
    # given a changed start date and a creation time stored in UTC
    record_event(
        actor=mark,
        action="update",
        instance=vistula_engagement,
        changes={
            "start_date": ["2026-01-05", "2026-02-01"],
            "created_at": ["2026-03-01T20:00:00+00:00", "2026-03-02T08:15:00+00:00"],
        },
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    # when a reader in Kolkata looks
    with timezone.override(KOLKATA):
        shown = present_events([event], user=mark)[0]
    # then dates read as dates and times as their local time (UTC+05:30)
    assert _change(shown, "start_date") == ("5 Jan 2026", "1 Feb 2026")
    assert _change(shown, "created_at") == ("2 Mar 2026, 01:30", "2 Mar 2026, 13:45")
    assert shown.exact.endswith("IST")


def test_booleans_read_as_yes_or_no(alice: User, milo: User) -> None:
    update_user(
        actor=alice, user=milo, role=milo.role, is_active=False, first_name="", last_name=""
    )
    shown = _latest(alice, object_type="accounts.user", action="update")
    assert _change(shown, "is_active") == ("yes", "no")
    assert next(c.label for c in shown.changes if c.field == "is_active") == "Active"


def test_long_text_is_cut_short_with_the_whole_text_kept_for_the_show_toggle(
    mark: User, vistula_engagement: Engagement
) -> None:
    scope = "Rebuild the onboarding flow for retail customers, " * 6
    update_engagement(actor=mark, engagement=vistula_engagement, scope=scope)
    shown = _latest(mark, object_type="engagements.engagement", action="update")
    after = next(c.after for c in shown.changes if c.field == "scope")
    assert after is not None
    assert len(after.text) <= 80 and after.text.endswith("…")
    assert after.full == scope


def test_a_users_password_hash_never_reaches_the_log(alice: User, client_org: object) -> None:
    # when an admin creates a user with a password
    create_user(
        actor=alice,
        username="nora",
        email="nora@example.com",
        organization=client_org,  # type: ignore[arg-type]
        role="viewer",
        password="a long enough passphrase 42",
    )
    # then the event records only that a password is set
    event = AuditEvent.objects.get(
        object_type="accounts.user", object_id__isnull=False, action="create", object_repr="nora"
    )
    assert event.changes["password"] == [None, "(secret set)"]


def test_json_values_read_as_json_and_empty_ones_are_left_out(
    mark: User, vistula_engagement: Engagement
) -> None:
    record_event(
        actor=mark,
        action="create",
        instance=vistula_engagement,
        changes={"scope": [None, {}], "name": [None, {"board": "MB", "done": ["Done"]}]},
    )
    shown = _latest(mark, object_type="engagements.engagement", action="create")
    assert [c.field for c in shown.changes] == ["name"]
    assert _change(shown, "name") == (None, '{"board": "MB", "done": ["Done"]}')


def test_secrets_in_older_events_stay_redacted_when_shown(
    alice: User, vistula_engagement: Engagement
) -> None:
    # given an event written before secrets were redacted on write
    record_event(
        actor=alice,
        action="update",
        instance=alice,
        changes={"password": ["argon2$old-hash", "argon2$new-hash"]},
    )
    shown = _latest(alice, object_type="accounts.user", action="update")
    assert _change(shown, "password") == ("(secret set)", "(secret set)")


@pytest.mark.parametrize(
    ("ago", "words"),
    [
        (dt.timedelta(seconds=5), "just now"),
        (dt.timedelta(seconds=61), "1 minute ago"),
        (dt.timedelta(minutes=2, seconds=30), "2 minutes ago"),
        (dt.timedelta(hours=3), "3 hours ago"),
        (dt.timedelta(hours=30), "yesterday"),
        (dt.timedelta(days=4), "4 days ago"),
        (dt.timedelta(days=40), "16 Oct 2026"),
    ],
)
def test_recent_times_read_as_words_and_older_ones_as_dates(ago: dt.timedelta, words: str) -> None:
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    assert relative_time(now - ago, now) == words


def test_a_page_of_events_costs_one_query_per_related_model_however_long_it_is(
    mark: User,
    vistula_engagement: Engagement,
    vistula: Vendor,
    deccan: Vendor,
    django_assert_num_queries: object,
) -> None:
    # given many changes naming vendors (by foreign key) and industries (many to many)
    industries = list(Industry.objects.all()[:3])
    for i in range(12):
        update_engagement(
            actor=mark, engagement=vistula_engagement, vendor=deccan if i % 2 == 0 else vistula
        )
        update_vendor(actor=mark, vendor=vistula, industries=industries[: i % 3 + 1])
    events = list(AuditEvent.objects.filter(action="update"))
    assert len(events) == 24
    # when they are shown: one query for vendors, one for industries, one for the budget's
    # currency is not needed (no money changed)
    with django_assert_num_queries(2):  # type: ignore[operator]
        shown = present_events(events, user=mark)
    # then every name is there
    assert {_change(s, "vendor")[1] for s in shown if s.object_type.endswith("engagement")} == {
        "Vistula Software House",
        "Deccan Digital Labs",
    }


def test_the_history_page_reads_like_a_product(
    mark: User, vistula_engagement: Engagement, deccan: Vendor
) -> None:
    # given a manager in Kolkata and a few changes, one with a long scope
    mark.time_zone = "Asia/Kolkata"
    mark.save(update_fields=["time_zone"])
    update_engagement(
        actor=mark,
        engagement=vistula_engagement,
        vendor=deccan,
        status="paused",
        scope="A" * 200,
    )
    # when the history page is opened
    url = reverse("engagements:history", args=[vistula_engagement.slug])
    html = logged_in(mark).get(url).content.decode()
    # then it names, labels and words things for a person
    assert "Vistula Software House</del> → Deccan Digital Labs" in html
    assert "Active</del> → Paused" in html
    assert "EUR 1,850,000.00" in html  # the creation event's budget
    assert ">just now</time>" in html and "IST" in html
    assert "<details" in html and '<span class="audit-closed">show</span>' in html
    assert "Start date" in html and "5 Jan 2026" in html


def test_the_history_page_query_count_does_not_grow_with_events(
    mark: User, vistula_engagement: Engagement, vistula: Vendor, deccan: Vendor
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = logged_in(mark)
    url = reverse("engagements:history", args=[vistula_engagement.slug])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    update_engagement(actor=mark, engagement=vistula_engagement, vendor=deccan)
    few = queries()
    for i in range(20):
        update_engagement(
            actor=mark,
            engagement=vistula_engagement,
            vendor=vistula if i % 2 == 0 else deccan,
            budget=Decimal(1000 + i),
        )
    assert queries() <= few + 1  # + the currency lookup, once, for the budget changes


def test_the_api_gives_each_event_in_words_beside_the_raw_diff(
    mark: User, vistula_engagement: Engagement, deccan: Vendor
) -> None:
    update_engagement(actor=mark, engagement=vistula_engagement, vendor=deccan, status="paused")
    api = APIClient()
    api.force_authenticate(mark)
    answer = api.get("/api/v1/audit-events/", {"object_type": "engagements.engagement"}).json()
    latest = answer["results"][0]
    assert latest["changes"]["status"] == ["active", "paused"]
    readable = latest["readable"]
    assert readable["summary"] == "Updated engagement Mobile banking app"
    assert readable["when"] == "just now"
    assert {c["field"]: (c["before"], c["after"]) for c in readable["changes"]} == {
        "status": ("Active", "Paused"),
        "vendor": ("Vistula Software House", "Deccan Digital Labs"),
    }
    one = api.get(f"/api/v1/audit-events/{latest['id']}/").json()
    assert one["readable"] == readable
