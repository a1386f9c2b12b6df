"""Jira client and sync against a local fake Jira on 127.0.0.1 serving the recorded payloads:
token paging, changelog and sprint paging, 429 with Retry-After, 500 then success, and a run
killed half-way and resumed from its cursor."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.sources import sync_now
from accord.delivery.connectors.jira.client import JiraClient
from accord.delivery.connectors.jira.sync import sync
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus, WorkItem
from accord.delivery.tests.fakeserver import FakeServer, Reply, Request, Sleeps
from tests.samples import sample_data_dir

DATA = sample_data_dir() / "jira"
UTC = dt.UTC
SEARCH = "/rest/api/3/search/jql"
EE1_CHANGELOG = "/rest/api/3/issue/10063/changelog"
SPRINTS = "/rest/agile/1.0/board/8/sprint"


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def _issues() -> list[dict]:
    issues = copy.deepcopy(load("board-8-issues.json")["issues"])
    ee1 = next(i for i in issues if i["key"] == "EE-1")
    # Jira embeds a truncated changelog for long histories: the two newest of EE-1's 25
    ee1["changelog"]["histories"] = ee1["changelog"]["histories"][:2]
    ee1["changelog"]["maxResults"] = 2
    return issues


ISSUES = _issues()
FULL_EE1 = next(i for i in load("board-8-issues.json")["issues"] if i["key"] == "EE-1")[
    "changelog"
]["histories"]
PAGES = {None: ("p2", ISSUES[:12]), "p2": ("p3", ISSUES[12:24]), "p3": (None, ISSUES[24:])}


def search_page(request: Request) -> Reply:
    following, issues = PAGES[request.param("nextPageToken")]
    body = {"issues": issues, "isLast": following is None}
    if following:
        body["nextPageToken"] = following
    return Reply(200, json=body)


def changelog_page(request: Request) -> Reply:
    start = int(request.param("startAt") or 0)
    values = FULL_EE1[start : start + 20]
    last = start + 20 >= len(FULL_EE1)
    return Reply(
        200,
        json={"startAt": start, "maxResults": 20, "total": 25, "isLast": last, "values": values},
    )


def sprint_page(request: Request) -> Reply:
    sprints = load("board-8-sprints.json")["values"]
    start = int(request.param("startAt") or 0)
    return Reply(
        200,
        json={
            "startAt": start,
            "maxResults": 20,
            "isLast": start + 20 >= len(sprints),
            "values": sprints[start : start + 20],
        },
    )


@pytest.fixture
def jira():
    with FakeServer() as server:
        server.route("GET", SEARCH, search_page)
        server.route("GET", EE1_CHANGELOG, changelog_page)
        server.route("GET", SPRINTS, sprint_page)
        server.route("GET", "/rest/api/3/status", Reply(200, json=load("statuses.json")))
        yield server


@pytest.fixture
def source(vistula_engagement, jira):
    return DataSource.objects.create(
        engagement=vistula_engagement,
        kind="jira",
        name="Jira",
        username="lena@vistula.example",
        token="api-token-1234",
        scope={
            "base_url": jira.url,
            "project_keys": ["EE"],
            "board_id": 8,
            "story_points_field": "customfield_10024",
            "zone": "Asia/Shanghai",
        },
        status_mapping={"Resolved": "done", "Inbox": "todo", "Ready for Dev": "todo"},
    )


def client(jira, sleeps) -> JiraClient:
    return JiraClient(base_url=jira.url, username="lena", token="t", sleep=sleeps)


@pytest.mark.django_db
def test_a_sync_pages_by_token_and_completes_truncated_changelogs(source, jira):
    # when the source syncs for the first time
    sleeps = Sleeps()
    sync(data_source=source, summary=ImportSummary(), client=client(jira, sleeps))
    # then every page was read through the JQL search, never the removed /search
    searches = jira.requests_to(SEARCH)
    assert [r.param("nextPageToken") for r in searches] == [None, "p2", "p3"]
    first = searches[0]
    assert first.param("jql") == '(project in ("EE")) ORDER BY updated ASC'
    assert "changelog" in first.param("expand") and first.param("fields")
    assert not jira.requests_to("/rest/api/3/search") and not jira.requests_to("/rest/api/2/search")
    assert first.headers["authorization"].startswith("Basic ")
    # and EE-1's truncated changelog was paged in full, so its facts match the hand-worked ones
    assert [r.param("startAt") for r in jira.requests_to(EE1_CHANGELOG)] == ["0", "20"]
    ee1 = WorkItem.objects.get(key="EE-1")
    assert ee1.started_at == utc("2020-06-12T03:38:39.785+00:00")
    assert ee1.done_at == utc("2020-06-19T06:31:18.526+00:00")
    assert ee1.status_changes.count() == 5
    # and sprints were paged by startAt, the status list read, the watermark set
    assert [r.param("startAt") for r in jira.requests_to(SPRINTS)] == ["0", "20"]
    assert WorkItem.objects.count() == 30 and source.statuses.count() > 50
    source.refresh_from_db()
    assert source.watermark == {"updated": "2021-08-06T06:14:54.647000+00:00"}
    assert sleeps.calls == []


@pytest.mark.django_db
def test_the_next_sync_asks_only_for_what_changed_since_the_watermark(source, jira):
    sync(data_source=source, summary=ImportSummary(), client=client(jira, Sleeps()))
    summary = ImportSummary()
    sync(data_source=source, summary=summary, client=client(jira, Sleeps()))
    # 06:14:54 UTC less five minutes, in the Jira user's zone (UTC+8)
    assert jira.requests_to(SEARCH)[-1].param("jql") == (
        '(project in ("EE")) AND updated >= "2021-08-06 14:09" ORDER BY updated ASC'
    )
    assert summary.counts["work_items"].unchanged == 30
    assert summary.counts["work_items"].created == summary.counts["work_items"].updated == 0


@pytest.mark.django_db
def test_a_429_is_waited_out_as_retry_after_says(source, jira):
    jira.route(
        "GET",
        "/rest/api/3/status",
        Reply(429, headers={"Retry-After": "7"}),
        Reply(200, json=load("statuses.json")),
    )
    sleeps = Sleeps()
    sync(data_source=source, summary=ImportSummary(), client=client(jira, sleeps))
    assert sleeps.calls == [7.0]
    assert len(jira.requests_to("/rest/api/3/status")) == 2


@pytest.mark.django_db
def test_a_server_error_is_retried_until_it_succeeds(source, jira):
    failures = [Reply(500), Reply(503)]
    jira.route(
        "GET", SPRINTS, lambda request: failures.pop(0) if failures else sprint_page(request)
    )
    sleeps = Sleeps()
    sync(data_source=source, summary=ImportSummary(), client=client(jira, sleeps))
    assert len(sleeps.calls) == 2 and sleeps.calls[1] > sleeps.calls[0]
    assert len(jira.requests_to(SPRINTS)) == 4  # 500, 503, then two pages


@pytest.mark.django_db
def test_a_run_killed_half_way_resumes_after_the_last_page_it_wrote(source, jira):
    # given a run that dies on the third page (the connection keeps dropping)
    def dying(request: Request) -> Reply:
        if request.param("nextPageToken") == "p3":
            return Reply(drop=True)
        return search_page(request)

    jira.route("GET", SEARCH, dying)
    first_run = SyncRun.objects.create(data_source=source, trigger="sync", status="running")
    with pytest.raises(ImportFailed, match=r"Jira .* gave up after 6 attempts"):
        sync(
            data_source=source,
            summary=ImportSummary(),
            run=first_run,
            client=client(jira, Sleeps()),
        )
    # then the two pages written are kept, with the cursor saying where to go on
    assert WorkItem.objects.count() == 24
    first_run.refresh_from_db()
    assert first_run.cursor["next_page_token"] == "p3" and first_run.cursor["pages"] == 2
    source.refresh_from_db()
    assert source.watermark == {}
    # when the next run starts (the service is back)
    jira.route("GET", SEARCH, search_page)
    before = len(jira.requests_to(SEARCH))
    second_run = SyncRun.objects.create(data_source=source, trigger="sync", status="running")
    summary = ImportSummary()
    sync(data_source=source, summary=summary, run=second_run, client=client(jira, Sleeps()))
    # then it reads only the third page and finishes the job
    assert [r.param("nextPageToken") for r in jira.requests_to(SEARCH)[before:]] == ["p3"]
    assert WorkItem.objects.count() == 30
    assert "Resumed after page 2" in " ".join(summary.notes)
    first_run.refresh_from_db()
    second_run.refresh_from_db()
    assert first_run.cursor == {} and second_run.cursor == {}
    source.refresh_from_db()
    assert source.watermark["updated"] == "2021-08-06T06:14:54.647000+00:00"


@pytest.mark.django_db
def test_a_sync_through_the_worker_entry_point_is_one_visible_run(source, jira):
    run = sync_now(data_source=source)
    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    assert run.counts["work_items"]["created"] == 30 and run.cursor == {}


@pytest.mark.django_db
def test_a_source_without_a_site_address_fails_with_what_to_set(source):
    source.scope = {"project_keys": ["EE"]}
    source.save()
    run = sync_now(data_source=source)
    assert run.status == SyncRunStatus.FAILED
    assert run.error == (
        "Jira has no Jira site address; set its scope's base_url (https://your-site.atlassian.net)."
    )


@pytest.mark.django_db
def test_wrong_credentials_fail_with_one_sentence(source, jira):
    jira.route("GET", SEARCH, Reply(401, json={"errorMessages": ["Unauthorized"]}))
    run = sync_now(data_source=source)
    assert run.status == SyncRunStatus.FAILED
    assert "401" in run.error and "check the credentials" in run.error
    assert "api-token-1234" not in run.error and WorkItem.objects.count() == 0


@pytest.mark.django_db
def test_a_cursor_left_before_the_last_success_is_never_resumed(source, jira):
    # given a run that failed two days ago with a cursor, and a success since
    now = dt.datetime.now(UTC)
    SyncRun.objects.create(
        data_source=source,
        trigger="sync",
        status="failed",
        created_at=now - dt.timedelta(days=2),
        cursor={
            "jql": '(project in ("EE")) ORDER BY updated ASC',
            "next_page_token": "p3",
            "newest": "2020-01-01T00:00:00+00:00",
            "pages": 2,
        },
    )
    SyncRun.objects.create(
        data_source=source,
        trigger="sync",
        status="succeeded",
        created_at=now - dt.timedelta(days=1),
    )
    source.watermark = {"updated": "2021-08-06T06:14:54.647000+00:00"}
    source.save()
    # when the next run starts
    following = SyncRun.objects.create(data_source=source, trigger="sync", status="running")
    sync(data_source=source, summary=ImportSummary(), run=following, client=client(jira, Sleeps()))
    # then it starts from the watermark, not from the stale page token
    first = jira.requests_to(SEARCH)[0]
    assert first.param("nextPageToken") is None and "2021-08-06 14:09" in first.param("jql")
    source.refresh_from_db()
    assert source.watermark["updated"] == "2021-08-06T06:14:54.647000+00:00"
