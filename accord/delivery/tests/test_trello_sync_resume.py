"""A Trello sync killed half-way and resumed against the local fake Trello: the board and each
page of actions commit with the run's cursor, the next run writes the board again and reads only
the pages after the last one committed, and the database ends as after an uninterrupted run.

These tests commit for real (transactional database), as a worker would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.delivery.actions import sources as source_actions
from accord.delivery.actions.sources import request_sync, sync_now
from accord.delivery.connectors.trello import client as client_module
from accord.delivery.connectors.trello import sync as trello_sync
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus, WorkItem
from accord.delivery.tasks import sync_data_source_task
from accord.delivery.tests.fakeserver import FakeServer
from accord.delivery.tests.test_sync_resume import Killed
from accord.delivery.tests.test_sync_resume import _age as age
from accord.delivery.tests.test_trello_client import BOARD, EXPORT, serve_board, trello_source
from accord.delivery.tests.test_trello_import import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

ACTIONS = f"/1/boards/{BOARD}/actions"


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServer]:
    """The fake Trello serving the sample board, its 26 actions in pages of 5 (six pages)."""
    monkeypatch.setattr(client_module, "ACTIONS_PER_PAGE", 5)
    with FakeServer() as running:
        serve_board(running)
        yield running


def _kill_at_page(monkeypatch: pytest.MonkeyPatch, page: int) -> None:
    """Make the worker die while writing action page `page`, releasing nothing."""
    real, calls = trello_sync._write_page, []

    def dying(*args, **kwargs):
        calls.append(1)
        if len(calls) == page:
            raise Killed
        return real(*args, **kwargs)

    monkeypatch.setattr(trello_sync, "_write_page", dying)
    monkeypatch.setattr(source_actions, "release_sync", lambda **kwargs: None)


def test_a_run_killed_at_page_3_of_6_is_resumed_into_the_same_database_as_a_whole_run(
    monkeypatch, vistula_engagement, deccan_engagement, server
):
    # given the same board synced in one go into another source, to compare with
    reference = trello_source(deccan_engagement, server.url)
    whole = sync_now(data_source=reference)
    assert whole.status == SyncRunStatus.SUCCEEDED, whole.error
    source = trello_source(vistula_engagement, server.url)

    # when the worker dies while writing the third page of actions
    write_page, release_sync = trello_sync._write_page, source_actions.release_sync
    _kill_at_page(monkeypatch, 3)
    dead = request_sync(data_source=source, requested_by=None)
    with pytest.raises(Killed):
        sync_data_source_task.call(dead.pk)
    monkeypatch.setattr(trello_sync, "_write_page", write_page)
    monkeypatch.setattr(source_actions, "release_sync", release_sync)

    # then the cards and two pages are kept with their cursor; the watermark has not moved
    dead.refresh_from_db()
    assert dead.status == SyncRunStatus.RUNNING
    assert WorkItem.objects.filter(data_source=source).count() == 15
    assert dead.cursor["count"] == 10 and dead.cursor["before"]
    stopped_at = dead.cursor["before"]
    assert DataSource.objects.get(pk=source.pk).watermark == {}

    # when the lease has expired and the next sync runs
    age(source, minutes=11)
    calls = len(server.requests_to(ACTIONS))
    following = request_sync(data_source=source, requested_by=None)
    sync_data_source_task.call(following.pk)

    # then it reads the pages after the second only, and the database is the whole run's
    dead.refresh_from_db()
    following.refresh_from_db()
    assert dead.status == SyncRunStatus.INTERRUPTED
    assert following.status == SyncRunStatus.SUCCEEDED, following.error
    resumed_from = [r.param("before") for r in server.requests_to(ACTIONS)[calls:]]
    assert resumed_from[0] == stopped_at and len(resumed_from) == 4
    assert dead.cursor == {}
    assert "Resumed from where the previous sync stopped." in following.summary
    assert snapshot(source) == snapshot(reference)
    newest = max(a["id"] for a in EXPORT["actions"])
    assert DataSource.objects.get(pk=source.pk).watermark == {"since": newest}


def test_a_cursor_left_by_the_earlier_sync_is_written_before_going_on(
    vistula_engagement, deccan_engagement, server
):
    # given a failed run of the earlier sync, which kept the first two pages' actions in its
    # cursor unwritten, and the board synced in one go elsewhere to compare with
    reference = trello_source(deccan_engagement, server.url)
    assert sync_now(data_source=reference).status == SyncRunStatus.SUCCEEDED
    source = trello_source(vistula_engagement, server.url)
    kept = sorted(EXPORT["actions"], key=lambda a: a["id"], reverse=True)[:10]
    SyncRun.objects.create(
        data_source=source,
        trigger=SyncRun.Trigger.SYNC,
        status=SyncRunStatus.FAILED,
        cursor={"since": "", "before": kept[-1]["id"], "complete": False, "actions": kept},
    )
    calls = len(server.requests_to(ACTIONS))

    # when
    run = sync_now(data_source=source)

    # then the kept actions are written, and only the pages after them are read
    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    assert server.requests_to(ACTIONS)[calls].param("before") == kept[-1]["id"]
    assert "26 new card actions; first sync of this board." in run.summary
    assert snapshot(source) == snapshot(reference)
