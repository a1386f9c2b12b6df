"""Exports of work items, pull requests and deployments: exact CSV, JSON shape, the policy for
each role, through the CLI, the API and the web download."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accord.cli import main
from accord.delivery.models import Sprint, SprintMembership
from accord.delivery.tests.ui_records import at, deployment, incident, pull_request, source
from accord.delivery.tests.ui_records import work_item as make_item
from conftest import logged_in

pytestmark = pytest.mark.django_db

WORK_ITEMS_CSV = (
    "key,title,type,status,status_category,created_at,started_at,done_at,cycle_time_hours,"
    "lead_time_hours,story_points,sprint,source,url\n"
    'PAY-1,"Pay, then ship",Story,Done,done,2026-03-01T09:00:00Z,2026-03-02T09:30:00Z,'
    "2026-03-04T12:00:00Z,50.5,99.0,3,Sprint 2,Jira,https://tracker.invalid/browse/PAY-1\n"
    "PAY-2,Item 2,,Open,todo,2026-03-01T10:00:00Z,,,,,0.5,,Jira,\n"
)


@pytest.fixture
def records(vistula_engagement, deccan_engagement):
    """Two work items, a PR and a deployment of Vistula's; one work item of Deccan's."""
    jira = source(vistula_engagement, kind="jira", name="Jira")
    first = make_item(
        jira,
        1,
        title="Pay, then ship",
        item_type="Story",
        status="Done",
        status_category="done",
        started_at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
        done_at=dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC),
        cycle_time=dt.timedelta(hours=50, minutes=30),
        lead_time=dt.timedelta(hours=99),
        story_points=Decimal("3.00"),
    )
    make_item(jira, 2, created_at=at(1, 10), story_points=Decimal("0.5"), url="")
    old = Sprint.objects.create(data_source=jira, external_id="1", name="Sprint 1", start_at=at(1))
    new = Sprint.objects.create(data_source=jira, external_id="2", name="Sprint 2", start_at=at(8))
    SprintMembership.objects.create(sprint=old, work_item=first, removed_at=at(7))
    SprintMembership.objects.create(sprint=new, work_item=first)
    github = source(vistula_engagement)
    pull_request(
        github,
        7,
        author_login="ada",
        state="closed",
        base_branch="main",
        first_review_at=at(2, 12),
        merged_at=at(3, 9),
        closed_at=at(3, 9),
        additions=10,
        deletions=2,
        changed_files=1,
    )
    shipped = deployment(github, 1, commit_sha="abc123")
    incident(github, 1, deployment=shipped)
    make_item(source(deccan_engagement, kind="jira", name="Jira"), 9, key="DEC-9")


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, ["export", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_work_items_export_as_exact_csv(records, vistula_engagement):
    # when
    output = _run("work-items", vistula_engagement.slug, "--format", "csv")

    # then
    assert output == WORK_ITEMS_CSV


def test_pull_requests_and_deployments_export_their_documented_columns(records, vistula_engagement):
    # when
    prs = _run("pull-requests", vistula_engagement.slug).splitlines()
    deploys = _run("deployments", vistula_engagement.slug).splitlines()

    # then
    assert prs == [
        "repo,number,title,author,state,is_draft,base_branch,created_at,first_review_at,"
        "merged_at,closed_at,pickup_time_hours,time_to_merge_hours,additions,deletions,"
        "changed_files,source,url",
        "acme/payments,7,Change 7,ada,closed,false,main,2026-03-02T09:00:00Z,"
        "2026-03-02T12:00:00Z,2026-03-03T09:00:00Z,2026-03-03T09:00:00Z,3.0,24.0,10,2,1,"
        "GitHub,https://code.invalid/acme/payments/pull/7",
    ]
    assert deploys == [
        "environment,version,commit_sha,status,is_production,started_at,finished_at,"
        "duration_hours,incidents,source,url",
        "production,v1.1,abc123,success,true,2026-03-03T09:00:00Z,2026-03-03T10:00:00Z,"
        "1.0,1,GitHub,",
    ]


def test_work_items_export_as_json_with_numbers_and_nulls(records, vistula_engagement):
    # when
    rows = json.loads(_run("work-items", vistula_engagement.slug, "--format", "json"))

    # then
    assert [r["key"] for r in rows] == ["PAY-1", "PAY-2"]
    assert rows[0]["cycle_time_hours"] == 50.5
    assert rows[0]["story_points"] == 3
    assert rows[0]["sprint"] == "Sprint 2"
    assert rows[1] == {
        "key": "PAY-2",
        "title": "Item 2",
        "type": None,
        "status": "Open",
        "status_category": "todo",
        "created_at": "2026-03-01T10:00:00Z",
        "started_at": None,
        "done_at": None,
        "cycle_time_hours": None,
        "lead_time_hours": None,
        "story_points": 0.5,
        "sprint": None,
        "source": "Jira",
        "url": None,
    }


def test_an_engagement_without_records_exports_a_header_or_an_empty_list(vistula_engagement):
    assert _run("deployments", vistula_engagement.slug).count("\n") == 1
    assert json.loads(_run("deployments", vistula_engagement.slug, "--format", "json")) == []


def test_the_cli_writes_to_a_file_and_asks_the_policy_for_a_named_user(
    records, vistula_engagement, lena, dev, tmp_path
):
    # given
    out = tmp_path / "items.csv"

    # when
    ok = CliRunner().invoke(
        main,
        ["export", "work-items", vistula_engagement.slug, "--user", "lena", "-o", str(out)],
    )
    refused = CliRunner().invoke(
        main, ["export", "work-items", vistula_engagement.slug, "--user", "dev"]
    )
    missing = CliRunner().invoke(main, ["export", "work-items", "no-such-thing"])

    # then
    assert ok.exit_code == 0, ok.output
    assert out.read_text(encoding="utf-8") == WORK_ITEMS_CSV
    assert refused.exit_code == 1
    assert f"There is no engagement “{vistula_engagement.slug}”." in refused.output
    assert "PAY-1" not in refused.output
    assert missing.exit_code == 1


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("alice", 200),
        ("mark", 200),
        ("eve", 200),
        ("victor", 200),
        ("lena", 200),
        ("milo", 200),
        ("dev", 404),
        ("dora", 404),
    ],
)
def test_the_api_export_follows_the_policy_for_each_role(
    request, records, vistula_engagement, user, status
):
    # given
    client = APIClient()
    client.force_authenticate(request.getfixturevalue(user))

    # when
    response = client.get(f"/api/v1/engagements/{vistula_engagement.slug}/export/work-items.csv")

    # then
    assert response.status_code == status
    if status == 200:
        assert response.streaming
        assert b"".join(response.streaming_content).decode() == WORK_ITEMS_CSV
        assert response["Content-Type"].startswith("text/csv")


def test_the_api_export_needs_a_login_and_a_known_kind(records, vistula_engagement, mark):
    # given
    base = f"/api/v1/engagements/{vistula_engagement.slug}/export/"
    client = APIClient()

    # then
    assert client.get(base + "work-items.json").status_code == 401
    client.force_authenticate(mark)
    assert client.get(base + "commits.csv").status_code == 404
    assert client.get(base + "work-items.xml").status_code == 404
    response = client.get(base + "pull-requests.json")
    assert response["Content-Type"] == "application/json"
    rows = json.loads(b"".join(response.streaming_content))
    assert [(r["repo"], r["number"], r["pickup_time_hours"]) for r in rows] == [
        ("acme/payments", 7, 3.0)
    ]


def test_the_records_page_links_to_the_download_that_streams_the_file(
    records, vistula_engagement, milo
):
    # given
    client = logged_in(milo)
    url = f"/delivery/engagements/{vistula_engagement.slug}/export/work-items.csv"

    # when
    page = client.get(f"/delivery/engagements/{vistula_engagement.slug}/work-items/")
    download = client.get(url)

    # then
    assert url in page.content.decode()
    assert download["Content-Disposition"] == (
        f'attachment; filename="{vistula_engagement.slug}-work-items.csv"'
    )
    assert b"".join(download.streaming_content).decode() == WORK_ITEMS_CSV


def test_the_schema_documents_the_export():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/engagements/{slug}/export/{kind}.{fmt}"]["get"]
    assert "cycle_time_hours" in operation["description"]
    assert {"text/csv", "application/json"} <= set(operation["responses"]["200"]["content"])
