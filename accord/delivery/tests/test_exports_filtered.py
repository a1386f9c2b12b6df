"""Filtered exports: a filtered records page downloads the rows it shows, the API export takes
the filters of the list of its kind, and no filter widens what the policy lets a user see."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accord.delivery.tests.ui_records import at, deployment, pull_request, source, work_item
from conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(vistula_engagement, deccan_engagement):
    """Vistula: three items in two sources, three PRs, two deployments; Deccan: one item."""
    jira = source(vistula_engagement, kind="jira", name="Jira")
    work_item(jira, 1, status="Done", status_category="done", done_at=at(4))
    work_item(jira, 2, status="Open", status_category="todo")
    trello = source(vistula_engagement, kind="trello", name="Trello")
    work_item(trello, 3, status="Done", status_category="done", done_at=at(6))
    github = source(vistula_engagement)
    pull_request(github, 1, state="merged", merged_at=at(3), closed_at=at(3))
    pull_request(github, 2, state="open")
    pull_request(github, 3, state="closed", closed_at=at(3))
    deployment(github, 1)
    deployment(github, 2, environment="staging", is_production=False)
    deccan = source(deccan_engagement, kind="jira", name="Jira")
    work_item(deccan, 9, key="DEC-9", status="Done", status_category="done", done_at=at(4))
    return {"jira": jira, "trello": trello, "deccan": deccan}


def _first_column(text: str) -> list[str]:
    return [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]


def _download(client, response) -> list[str]:
    """Follow the page's CSV link; the first column of each row."""
    link = re.search(r'href="([^"]*/export/[^"]*\.csv[^"]*)"', response.content.decode())
    assert link is not None
    download = client.get(html.unescape(link.group(1)))
    assert download.status_code == 200
    return _first_column(b"".join(download.streaming_content).decode())


@pytest.mark.parametrize(
    ("page", "query", "rows"),
    [
        ("work_items", "category=done", ["PAY-1", "PAY-3"]),
        ("work_items", "category=done&done_to=2026-03-05", ["PAY-1"]),
        ("work_items", "search=pay-2", ["PAY-2"]),
        ("pull_requests", "state=merged", ["acme/payments"]),
        ("pull_requests", "state=open", ["acme/payments"]),
        ("deployments", "production_only=on", ["production"]),
    ],
)
def test_a_filtered_page_downloads_only_the_rows_it_shows(
    board, mark, vistula_engagement, page, query, rows
):
    # given a manager on a filtered records page
    client = logged_in(mark)
    url = reverse(f"delivery:{page}", args=[vistula_engagement.slug]) + "?" + query

    # when they follow its CSV link
    response = client.get(url)
    exported = _download(client, response)

    # then the download holds the filtered rows, and says it does
    assert exported == rows
    assert "Download the filtered" in response.content.decode()


def test_the_pull_request_states_mean_the_same_in_the_list_and_the_download(
    board, mark, vistula_engagement
):
    # given
    client = logged_in(mark)
    base = reverse("delivery:pull_requests", args=[vistula_engagement.slug])

    for state, number in (("merged", "1"), ("open", "2"), ("closed", "3")):
        # when
        response = client.get(f"{base}?state={state}")
        download = client.get(
            reverse("delivery:export", args=[vistula_engagement.slug, "pull-requests", "csv"])
            + f"?state={state}"
        )

        # then one PR each, in the page and in the file (closed means closed unmerged)
        rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
        assert [r[1] for r in rows[1:]] == [number], state
        assert f"Change {number}" in response.content.decode()


def test_an_unfiltered_page_still_downloads_everything(board, mark, vistula_engagement):
    # given
    client = logged_in(mark)

    # when
    response = client.get(reverse("delivery:work_items", args=[vistula_engagement.slug]))

    # then
    assert _download(client, response) == ["PAY-1", "PAY-2", "PAY-3"]
    assert 'CSV<span class="visually-hidden"> of all work items' in response.content.decode()


def test_an_invalid_filter_is_left_out_of_the_download_as_the_list_leaves_it_out(
    board, mark, vistula_engagement
):
    # given a filter the form refuses, and a valid one
    client = logged_in(mark)
    export = reverse("delivery:export", args=[vistula_engagement.slug, "work-items", "csv"])

    # when
    download = client.get(export + "?category=nonsense&search=PAY-1")

    # then only the valid filter applies
    assert _first_column(b"".join(download.streaming_content).decode()) == ["PAY-1"]


def test_a_vendor_user_downloads_only_their_own_vendors_rows_whatever_the_filters(
    board, lena, vistula_engagement, deccan_engagement
):
    # given Vistula's lead, asking for Deccan's source by id in every way there is
    client = logged_in(lena)
    deccan_source = board["deccan"].pk
    own = reverse("delivery:export", args=[vistula_engagement.slug, "work-items", "csv"])
    other = reverse("delivery:export", args=[deccan_engagement.slug, "work-items", "csv"])
    api = APIClient()
    api.force_authenticate(lena)
    api_base = "/api/v1/engagements/{}/export/work-items.csv?source={}&category=done"

    # when
    web_own = client.get(f"{own}?source={deccan_source}&category=done")
    web_other = client.get(f"{other}?category=done")
    api_own = api.get(api_base.format(vistula_engagement.slug, deccan_source))
    api_other = api.get(api_base.format(deccan_engagement.slug, deccan_source))

    # then the web ignores a source that is not on the page, the API finds nothing in it,
    # and Deccan's engagement does not exist for them
    assert _first_column(b"".join(web_own.streaming_content).decode()) == ["PAY-1", "PAY-3"]
    assert _first_column(b"".join(api_own.streaming_content).decode()) == []
    assert web_other.status_code == 404
    assert api_other.status_code == 404


@pytest.mark.parametrize(
    ("kind", "query", "rows"),
    [
        ("work-items", "category=done", ["PAY-1", "PAY-3"]),
        ("work-items", "category=done&source={trello}", ["PAY-3"]),
        ("pull-requests", "state=closed", ["acme/payments"]),
        ("deployments", "production=true", ["production"]),
        ("deployments", "environment=staging", ["staging"]),
        # A filter of another kind is not this kind's: ignored.
        ("deployments", "category=done", ["production", "staging"]),
    ],
)
def test_the_api_export_takes_the_filters_of_its_list(
    board, mark, vistula_engagement, kind, query, rows
):
    # given
    client = APIClient()
    client.force_authenticate(mark)
    url = f"/api/v1/engagements/{vistula_engagement.slug}/export/{kind}.csv?"
    url += query.format(trello=board["trello"].pk)

    # when
    response = client.get(url)

    # then
    assert response.status_code == 200
    assert _first_column(b"".join(response.streaming_content).decode()) == rows


def test_the_api_export_and_list_agree_and_refuse_a_malformed_filter_alike(
    board, mark, vistula_engagement
):
    # given
    client = APIClient()
    client.force_authenticate(mark)
    export = f"/api/v1/engagements/{vistula_engagement.slug}/export/pull-requests.json"

    # when
    listed = client.get(f"/api/v1/pull-requests/?engagement={vistula_engagement.slug}&state=closed")
    exported = client.get(f"{export}?state=closed")
    refused_list = client.get("/api/v1/pull-requests/?state=shipped")
    refused_export = client.get(f"{export}?state=shipped")

    # then
    assert [p["number"] for p in listed.json()["results"]] == [3]
    assert [p["number"] for p in json.loads(b"".join(exported.streaming_content))] == [3]
    assert refused_list.status_code == refused_export.status_code == 400
    assert "“shipped” is not a pull request state" in refused_export.json()["state"]
    assert refused_list.json() == refused_export.json()
