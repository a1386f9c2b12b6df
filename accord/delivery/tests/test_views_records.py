"""Browsable records: filters, facts shown, links back to the source, per-role visibility and a
constant number of queries per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.delivery.tests.ui_records import (
    at,
    commit,
    deployment,
    incident,
    person,
    pull_request,
    source,
    work_item,
)
from conftest import logged_in

pytestmark = pytest.mark.django_db

LISTS = ("work_items", "pull_requests", "deployments", "incidents", "commits")


def _list(name: str, engagement, **params: str) -> str:
    url = reverse(f"delivery:{name}", args=[engagement.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def _rows(response) -> str:
    return response.content.decode()


def test_work_items_show_their_facts_and_link_back_to_the_source(victor, vistula_engagement):
    # given an item started on the 2nd and done on the 5th, created on the 1st
    src = source(vistula_engagement, kind="jira", name="Jira")
    work_item(
        src,
        7,
        status="Done",
        status_category="done",
        started_at=at(2),
        done_at=at(5),
        cycle_time=at(5) - at(2),
        lead_time=at(5) - at(1),
    )

    # when
    page = _rows(logged_in(victor).get(_list("work_items", vistula_engagement)))

    # then
    assert 'href="https://tracker.invalid/browse/PAY-7"' in page
    assert "3d 0h" in page and "4d 0h" in page


def test_work_items_filter_by_category_type_assignee_text_and_done_range(mark, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="jira", name="Jira")
    ada = person("Ada Lovelace")
    work_item(
        src,
        1,
        title="Login screen",
        item_type="Story",
        status_category="done",
        done_at=at(10),
        assignee=ada,
    )
    work_item(
        src,
        2,
        title="Login crash",
        item_type="Bug",
        status_category="done",
        done_at=at(20),
        assignee=ada,
    )
    work_item(src, 3, title="Logout", item_type="Story", status_category="in_progress")
    client = logged_in(mark)

    # when / then: each filter narrows the list to the items it names
    cases = [
        ({"category": "in_progress"}, {"PAY-3"}),
        ({"item_type": "Bug"}, {"PAY-2"}),
        ({"assignee": str(ada.pk)}, {"PAY-1", "PAY-2"}),
        ({"search": "login"}, {"PAY-1", "PAY-2"}),
        ({"done_from": "2026-03-01", "done_to": "2026-03-15"}, {"PAY-1"}),
    ]
    for params, keys in cases:
        page = _rows(client.get(_list("work_items", vistula_engagement, **params)))
        shown = {k for k in ("PAY-1", "PAY-2", "PAY-3") if f">PAY-{k[-1]}<" in page}
        assert shown == keys, params


def test_a_reversed_date_range_is_reported_and_not_applied(mark, vistula_engagement):
    # given
    work_item(source(vistula_engagement), 1)

    # when
    page = _rows(
        logged_in(mark).get(
            _list("work_items", vistula_engagement, done_from="2026-03-15", done_to="2026-03-01")
        )
    )

    # then
    assert "The end of the range is before its start." in page


def test_pull_requests_show_pickup_and_merge_times_and_filter_by_repo_author_and_merge(
    lena, vistula_engagement
):
    # given
    src = source(vistula_engagement)
    pull_request(
        src, 1, author_login="octo", first_review_at=at(2, 13), merged_at=at(4), state="closed"
    )
    pull_request(src, 2, repo="acme/mobile", author_login="hubot")
    client = logged_in(lena)

    # when
    everything = _rows(client.get(_list("pull_requests", vistula_engagement)))
    by_repo = _rows(client.get(_list("pull_requests", vistula_engagement, repo="acme/mobile")))
    by_author = _rows(client.get(_list("pull_requests", vistula_engagement, author="oct")))
    merged = _rows(client.get(_list("pull_requests", vistula_engagement, merged_from="2026-03-04")))

    # then
    assert "4h 0m" in everything and "2d 0h" in everything
    assert "Change 2" in by_repo and "Change 1" not in by_repo
    assert "Change 1" in by_author and "Change 2" not in by_author
    assert "Change 1" in merged and "Change 2" not in merged


def test_deployments_can_be_limited_to_production(victor, vistula_engagement):
    # given
    src = source(vistula_engagement)
    deployment(src, 1, version="v-prod")
    deployment(src, 2, version="v-staging", environment="staging", is_production=False)

    # when
    page = _rows(
        logged_in(victor).get(_list("deployments", vistula_engagement, production_only="on"))
    )

    # then
    assert "v-prod" in page and "v-staging" not in page


def test_incidents_show_their_deployment_and_can_be_limited_to_unresolved(
    victor, vistula_engagement
):
    # given
    src = source(vistula_engagement)
    release = deployment(src, 1, version="v1.9")
    incident(src, 1, title="Payments down", deployment=release, resolved_at=at(4, 12))
    incident(src, 2, title="Still broken")

    # when
    everything = _rows(logged_in(victor).get(_list("incidents", vistula_engagement)))
    open_only = _rows(logged_in(victor).get(_list("incidents", vistula_engagement, open_only="on")))

    # then
    assert "v1.9" in everything and "3h 0m" in everything
    assert "Still broken" in open_only and "Payments down" not in open_only


def test_commits_filter_by_author(victor, vistula_engagement):
    # given
    src = source(vistula_engagement, kind="git", name="git")
    commit(src, 1, author_name="Ada", summary="Fix rounding")
    commit(src, 2, author_name="Grace", author_email="grace@acme.invalid", summary="Add audit")

    # when
    page = _rows(logged_in(victor).get(_list("commits", vistula_engagement, author="grace")))

    # then
    assert "Add audit" in page and "Fix rounding" not in page


@pytest.mark.parametrize("name", LISTS)
def test_vendor_users_read_their_own_records_and_never_another_vendors(
    name, lena, dev, vistula_engagement
):
    # given records of Vistula's engagement
    src = source(vistula_engagement)
    work_item(src, 1)
    pull_request(src, 1)

    # when
    own = logged_in(lena).get(_list(name, vistula_engagement))
    other = logged_in(dev).get(_list(name, vistula_engagement))

    # then
    assert (own.status_code, other.status_code) == (200, 404)


def _fill(engagement, n: int, offset: int = 0) -> None:
    src = source(engagement, name=f"Source {offset}")
    for i in range(offset, offset + n):
        who = person(f"Person {i}")
        work_item(src, i, assignee=who)
        pull_request(src, i, author=who)
        release = deployment(src, i)
        incident(src, i, deployment=release)
        commit(src, i, author=who)


@pytest.mark.parametrize("name", LISTS)
def test_a_list_page_costs_the_same_queries_for_three_rows_as_for_thirty(
    name, mark, vistula_engagement
):
    # given
    client = logged_in(mark)
    _fill(vistula_engagement, 3)
    client.get(_list(name, vistula_engagement))  # warm the session and the user
    with CaptureQueriesContext(connection) as few:
        client.get(_list(name, vistula_engagement))

    # when
    _fill(vistula_engagement, 27, offset=100)
    with CaptureQueriesContext(connection) as many:
        response = client.get(_list(name, vistula_engagement))

    # then
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_the_engagement_page_links_to_its_delivery_data(milo, vistula_engagement):
    # when
    page = logged_in(milo).get(reverse("engagements:detail", args=[vistula_engagement.slug]))

    # then
    html = page.content.decode()
    assert reverse("delivery:work_items", args=[vistula_engagement.slug]) in html
    assert reverse("delivery:source_add", args=[vistula_engagement.slug]) not in html


def test_the_source_list_costs_the_same_queries_for_one_source_as_for_ten(mark, vistula_engagement):
    # given
    client = logged_in(mark)
    url = reverse("delivery:source_list", args=[vistula_engagement.slug])
    source(vistula_engagement, name="S0")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)

    # when
    for i in range(1, 10):
        source(vistula_engagement, name=f"S{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    # then
    assert response.status_code == 200
    assert len(many) == len(few)


def test_only_the_client_side_is_offered_the_people_page_from_the_engagement(
    victor, milo, vistula_engagement
):
    # when
    url = reverse("engagements:detail", args=[vistula_engagement.slug])
    client_page = logged_in(victor).get(url).content.decode()
    vendor_page = logged_in(milo).get(url).content.decode()

    # then
    people = reverse("delivery:people")
    assert f'href="{people}"' in client_page and f'href="{people}"' not in vendor_page
