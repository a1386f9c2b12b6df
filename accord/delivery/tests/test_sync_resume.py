"""A sync killed half-way and resumed: pages commit one by one with the run's cursor, a dead
worker's lease expires instead of blocking later syncs, its run is marked interrupted, and the
next run goes on from the page after the last one written — no duplicates, no gaps.

These tests commit for real (transactional database), as a worker would."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.delivery.actions import runs as run_leases
from accord.delivery.actions import sources as source_actions
from accord.delivery.actions.sources import request_sync, sync_now
from accord.delivery.connectors.jira import sync as jira_sync
from accord.delivery.models import DataSource, StatusChange, SyncRun, SyncRunStatus, WorkItem
from accord.delivery.tasks import sync_data_source_task
from accord.delivery.tests.fakeserver import FakeServer, Reply, Request
from accord.delivery.tests.test_jira_sync import ISSUES, SEARCH
from accord.delivery.tests.test_jira_sync import jira as jira_fixture  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

# Five pages of six issues: p1 … p5.
TOKENS = [None, "p2", "p3", "p4", "p5"]


def five_pages(request: Request) -> Reply:
    n = TOKENS.index(request.param("nextPageToken"))
    body: dict = {"issues": ISSUES[6 * n : 6 * n + 6], "isLast": n == 4}
    if n < 4:
        body["nextPageToken"] = TOKENS[n + 1]
    return Reply(200, json=body)


@pytest.fixture
def five_page_jira(jira_fixture: FakeServer) -> FakeServer:  # noqa: F811 (the fixture)
    """The fake Jira of test_jira_sync, searching in five pages."""
    jira_fixture.route("GET", SEARCH, five_pages)
    return jira_fixture


def _source(engagement, server: FakeServer, name: str = "Jira") -> DataSource:
    return DataSource.objects.create(
        engagement=engagement,
        kind="jira",
        name=name,
        username="lena@vistula.example",
        token="api-token-1234",
        scope={"base_url": server.url, "project_keys": ["EE"], "board_id": 8, "zone": "UTC"},
    )


class Killed(BaseException):
    """The worker process dying: nothing after it runs, no handler sees it."""


def _kill_at_page(monkeypatch, page: int) -> None:
    """Make the worker die while writing `page`, without releasing anything (as a killed one)."""
    real, calls = jira_sync.write_batch, []

    def dying(**kwargs):
        calls.append(1)
        if len(calls) == page:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(jira_sync, "write_batch", dying)
    monkeypatch.setattr(source_actions, "release_sync", lambda **kwargs: None)


def _facts(source: DataSource) -> set[tuple]:
    return set(
        WorkItem.objects.filter(data_source=source).values_list(
            "key", "status", "status_category", "started_at", "done_at"
        )
    )


def _age(source: DataSource, minutes: int) -> None:
    """Move the source's lease and its runs' heartbeats `minutes` into the past."""
    delta = dt.timedelta(minutes=minutes)
    lease = DataSource.objects.get(pk=source.pk).sync_lease_until
    assert lease is not None
    DataSource.objects.filter(pk=source.pk).update(sync_lease_until=lease - delta)
    for run in SyncRun.objects.filter(data_source=source):
        SyncRun.objects.filter(pk=run.pk).update(
            heartbeat_at=(run.heartbeat_at or run.created_at) - delta,
            created_at=run.created_at - delta,
        )


def test_a_run_killed_at_page_3_of_5_is_resumed_with_no_duplicates_and_no_gaps(
    monkeypatch, vistula_engagement, deccan_engagement, five_page_jira
):
    server = five_page_jira
    # given a clean sync of the same data into another source, to compare with
    reference = _source(deccan_engagement, server)
    assert sync_now(data_source=reference).status == SyncRunStatus.SUCCEEDED
    source = _source(vistula_engagement, server)

    # when the worker dies while writing page 3 of 5
    _kill_at_page(monkeypatch, 3)
    dead = request_sync(data_source=source, requested_by=None)
    with pytest.raises(Killed):
        sync_data_source_task.call(dead.pk)
    monkeypatch.undo()

    # then pages 1 and 2 are kept with their cursor and counts; the watermark has not moved
    dead.refresh_from_db()
    assert dead.status == SyncRunStatus.RUNNING
    assert WorkItem.objects.filter(data_source=source).count() == 12
    assert (dead.cursor["next_page_token"], dead.cursor["pages"]) == ("p3", 2)
    assert dead.counts["work_items"]["created"] == 12
    assert DataSource.objects.get(pk=source.pk).watermark == {}

    # and while its lease lasts, the source is not synced twice
    assert request_sync(data_source=source, requested_by=None) == dead
    refused = sync_now(data_source=source)
    assert refused.status == SyncRunStatus.FAILED
    assert refused.error == f"Another sync of {source} is running; this one did not start."

    # when the lease has expired and the next sync is requested
    _age(source, minutes=11)
    before = len(server.requests_to(SEARCH))
    following = request_sync(data_source=source, requested_by=None)
    sync_data_source_task.call(following.pk)

    # then the dead run is marked interrupted and the new one reads pages 3 to 5 only
    dead.refresh_from_db()
    following.refresh_from_db()
    assert dead.status == SyncRunStatus.INTERRUPTED and "stopped answering" in dead.error
    assert following.status == SyncRunStatus.SUCCEEDED, following.error
    assert [r.param("nextPageToken") for r in server.requests_to(SEARCH)[before:]] == [
        "p3",
        "p4",
        "p5",
    ]
    assert "Resumed after page 2" in following.summary
    assert following.counts["work_items"]["created"] == 18

    # and the data is exactly what the clean sync wrote: nothing twice, nothing missing
    assert _facts(source) == _facts(reference) and len(_facts(source)) == 30
    assert (
        StatusChange.objects.filter(data_source=source).count()
        == StatusChange.objects.filter(data_source=reference).count()
    )
    source.refresh_from_db()
    assert source.watermark == DataSource.objects.get(pk=reference.pk).watermark
    assert source.sync_lease_run_id is None and following.cursor == {}


def test_a_failed_run_keeps_its_pages_and_the_next_run_goes_on(vistula_engagement, five_page_jira):
    server = five_page_jira

    # given page 3 answers 400 (a bad page, no retry)
    def bad_third(request: Request) -> Reply:
        if request.param("nextPageToken") == "p3":
            return Reply(400, json={"errorMessages": ["Bad page"]})
        return five_pages(request)

    server.route("GET", SEARCH, bad_third)
    source = _source(vistula_engagement, server)

    # when
    failed = sync_now(data_source=source)

    # then
    assert failed.status == SyncRunStatus.FAILED
    assert WorkItem.objects.filter(data_source=source).count() == 12
    assert failed.counts["work_items"]["created"] == 12 and failed.cursor["pages"] == 2

    # when the page is fine again
    server.route("GET", SEARCH, five_pages)
    done = sync_now(data_source=source)

    # then
    assert done.status == SyncRunStatus.SUCCEEDED, done.error
    assert WorkItem.objects.filter(data_source=source).count() == 30
    assert done.counts["work_items"] == {"created": 18, "updated": 0, "unchanged": 0, "skipped": 0}


def test_a_queued_run_whose_worker_never_began_does_not_block_for_ever(
    vistula_engagement, five_page_jira
):
    server = five_page_jira
    # given a run a worker claimed from the queue and then died on, long ago
    source = _source(vistula_engagement, server)
    stuck = SyncRun.objects.create(
        data_source=source,
        trigger=SyncRun.Trigger.SYNC,
        status=SyncRunStatus.RUNNING,
        created_at=dt.datetime.now(dt.UTC) - run_leases.LEASE * 2,
    )

    # when a sync is requested
    fresh = request_sync(data_source=source, requested_by=None)

    # then a new run is queued and the stuck one says what happened to it
    stuck.refresh_from_db()
    assert fresh != stuck and fresh.status == SyncRunStatus.QUEUED
    assert stuck.status == SyncRunStatus.INTERRUPTED


def test_a_run_killed_after_its_last_page_reads_only_what_was_left(
    monkeypatch, vistula_engagement, five_page_jira
):
    # given a worker that dies after writing page 5, while reading sprints and statuses
    server = five_page_jira
    source = _source(vistula_engagement, server)

    def dying(**kwargs):
        raise Killed

    monkeypatch.setattr(jira_sync, "_sync_reference_data", dying)
    monkeypatch.setattr(source_actions, "release_sync", lambda **kwargs: None)
    dead = request_sync(data_source=source, requested_by=None)
    with pytest.raises(Killed):
        sync_data_source_task.call(dead.pk)
    monkeypatch.undo()
    assert WorkItem.objects.filter(data_source=source).count() == 30
    assert DataSource.objects.get(pk=source.pk).watermark == {}

    # when the next sync runs after the lease expired
    _age(source, minutes=11)
    before = len(server.requests_to(SEARCH))
    following = request_sync(data_source=source, requested_by=None)
    sync_data_source_task.call(following.pk)

    # then it searches no more, reads the reference data and moves the watermark
    following.refresh_from_db()
    assert following.status == SyncRunStatus.SUCCEEDED, following.error
    assert len(server.requests_to(SEARCH)) == before
    assert server.requests_to("/rest/api/3/status")
    assert DataSource.objects.get(pk=source.pk).watermark["updated"]
    assert WorkItem.objects.filter(data_source=source).count() == 30
