"""The engagement list: who sees what, filters, search, pagination and query count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.accounts.models import User
from accord.engagements import actions
from accord.engagements.models import Engagement, EngagementStatus
from accord.vendors.models import Vendor
from conftest import logged_in

URL = reverse("engagements:list")


def names_on(response) -> list[str]:
    return [e.name for e in response.context["page_obj"]]


def test_anonymous_visitors_are_sent_to_login(client, vistula_engagement: Engagement) -> None:
    # when
    response = client.get(URL)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["admin", "manager", "evaluator", "viewer"])
def test_every_client_role_sees_every_engagement(
    role: str,
    everyone: dict[str, User],
    vistula_engagement: Engagement,
    deccan_engagement: Engagement,
) -> None:
    # when
    response = logged_in(everyone[role]).get(URL)

    # then
    assert response.status_code == 200
    assert names_on(response) == ["Mobile banking app", "Payments platform"]


@pytest.mark.parametrize("role", ["vendor_lead", "vendor_member"])
def test_a_vendor_user_sees_only_their_own_vendors_engagements(
    role: str,
    everyone: dict[str, User],
    vistula_engagement: Engagement,
    deccan_engagement: Engagement,
) -> None:
    # when
    response = logged_in(everyone[role]).get(URL)

    # then
    assert names_on(response) == ["Mobile banking app"]
    assert b"Payments platform" not in response.content
    assert b"Deccan" not in response.content


def test_the_list_shows_vendor_status_dates_and_budget(
    victor: User, vistula_engagement: Engagement
) -> None:
    # when
    response = logged_in(victor).get(URL)

    # then
    html = response.content.decode()
    assert "Vistula Software House" in html
    assert "bg-green-lt" in html and ">Active<" in html
    assert "5 Jan 2026 \u2013 open" in html
    assert "EUR 1,850,000" in html


def test_the_list_filters_by_status(
    mark: User, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # given
    actions.update_engagement(actor=mark, engagement=deccan_engagement, status="paused")

    # when
    response = logged_in(mark).get(URL, {"status": "paused"})

    # then
    assert names_on(response) == ["Payments platform"]


def test_the_list_filters_by_vendor(
    mark: User, deccan: Vendor, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(URL, {"vendor": deccan.pk})

    # then
    assert names_on(response) == ["Payments platform"]


def test_the_list_searches_by_name_ignoring_case(
    mark: User, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(URL, {"q": "  BANKING "})

    # then
    assert names_on(response) == ["Mobile banking app"]


def test_a_vendor_user_cannot_filter_their_way_to_another_vendor(
    lena: User, deccan: Vendor, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # when
    response = logged_in(lena).get(URL, {"vendor": deccan.pk})

    # then: the other vendor is not a choice; the filter is ignored and says so
    assert "Payments platform" not in names_on(response)
    assert b"That vendor is not in the list" in response.content


def test_an_unknown_filter_value_is_reported_and_ignored(
    mark: User, vistula_engagement: Engagement, deccan_engagement: Engagement
) -> None:
    # when
    response = logged_in(mark).get(URL, {"status": "exploded", "vendor": "abc"})

    # then
    assert response.status_code == 200
    assert names_on(response) == ["Mobile banking app", "Payments platform"]
    assert "“exploded” is not a status" in response.content.decode()


def test_no_match_says_so(mark: User, vistula_engagement: Engagement) -> None:
    # when
    response = logged_in(mark).get(URL, {"q": "zeppelin"})

    # then
    assert b"No engagements match these filters." in response.content


def test_an_empty_workspace_says_there_are_no_engagements_yet(mark: User) -> None:
    # when
    response = logged_in(mark).get(URL)

    # then
    assert b"No engagements yet." in response.content


def test_the_list_is_paginated_and_keeps_the_filters(mark: User, vistula: Vendor) -> None:
    # given
    for n in range(30):
        actions.create_engagement(actor=mark, name=f"Project {n:02}", vendor=vistula)

    # when
    first = logged_in(mark).get(URL, {"q": "project"})
    second = logged_in(mark).get(URL, {"q": "project", "page": "2"})

    # then
    assert len(names_on(first)) == 25
    assert names_on(second) == [f"Project {n}" for n in range(25, 30)]
    assert b"?q=project&amp;page=2" in first.content


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("admin", True),
        ("manager", True),
        ("viewer", False),
        ("evaluator", False),
        ("vendor_lead", False),
    ],
)
def test_only_admins_and_managers_are_offered_a_new_engagement_button(
    role: str, shown: bool, everyone: dict[str, User]
) -> None:
    # when
    response = logged_in(everyone[role]).get(URL)

    # then
    assert (reverse("engagements:create").encode() in response.content) is shown


def _queries_for_list(user: User) -> int:
    client = logged_in(user)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["manager", "vendor_member"])
def test_the_list_query_count_does_not_grow_with_the_number_of_engagements(
    role: str, everyone: dict[str, User], mark: User, vistula: Vendor
) -> None:
    # given
    actions.create_engagement(
        actor=mark, name="First", vendor=vistula, budget=Decimal("10"), status="active"
    )
    few = _queries_for_list(everyone[role])
    for n in range(20):
        actions.create_engagement(
            actor=mark, name=f"More {n}", vendor=vistula, budget=Decimal(n), status="paused"
        )

    # when
    many = _queries_for_list(everyone[role])

    # then
    assert Engagement.objects.count() == 21
    assert many == few


def test_engagements_are_ordered_by_name(mark: User, vistula: Vendor) -> None:
    # given
    for name in ["Gamma", "Alpha", "Beta"]:
        actions.create_engagement(actor=mark, name=name, vendor=vistula)

    # when
    response = logged_in(mark).get(URL)

    # then
    assert names_on(response) == ["Alpha", "Beta", "Gamma"]


def test_posting_to_the_list_is_not_allowed(mark: User) -> None:
    # when
    response = logged_in(mark).post(URL)

    # then
    assert response.status_code == 405


def test_status_choices_match_the_model(mark: User) -> None:
    # when
    response = logged_in(mark).get(URL)

    # then
    for value, label in EngagementStatus.choices:
        assert f'value="{value}"'.encode() in response.content
        assert label.encode() in response.content
