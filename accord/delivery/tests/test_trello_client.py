"""Trello client and sync against a local fake Trello: auth, paging by `before`, rate limits, a
run killed half-way and resumed."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.delivery.actions.sources import sync_now
from accord.delivery.connectors.http import HttpGaveUp
from accord.delivery.connectors.trello import client as client_module
from accord.delivery.connectors.trello import sync as sync_module
from accord.delivery.connectors.trello.client import TrelloClient
from accord.delivery.models import DataSource, StatusChange, SyncRun, SyncRunStatus, WorkItem
from accord.delivery.tests.fakeserver import FakeServer, Reply, Request, Sleeps
from accord.engagements.models import Engagement

EXPORT = json.loads((Path(__file__).parent / "data" / "trello-board-export.json").read_text())
BOARD = EXPORT["id"]
KEY, TOKEN = "k3y-0123456789", "t0ken-SECRET-abcdef"


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(server: FakeServer, sleeps: Sleeps, **options: Any) -> TrelloClient:
    return TrelloClient(base_url=server.url, key=KEY, token=TOKEN, sleep=sleeps, **options)


def serve_actions(server: FakeServer, actions: list[dict[str, Any]]) -> None:
    """Trello's semantics: newest first, ids after `since` and before `before`, `limit` of them."""
    newest_first = sorted(actions, key=lambda a: a["id"], reverse=True)

    def handler(request: Request) -> Reply:
        since, before = request.param("since"), request.param("before")
        limit = int(request.param("limit") or 50)
        chosen = [
            a
            for a in newest_first
            if (since is None or a["id"] > since) and (before is None or a["id"] < before)
        ]
        return Reply(200, json=chosen[:limit])

    server.route("GET", f"/1/boards/{BOARD}/actions", handler)


def serve_board(server: FakeServer, actions: list[dict[str, Any]] | None = None) -> None:
    server.route("GET", f"/1/boards/{BOARD}/lists", Reply(200, json=EXPORT["lists"]))
    server.route("GET", f"/1/boards/{BOARD}/cards/all", Reply(200, json=EXPORT["cards"]))
    server.route("GET", f"/1/boards/{BOARD}/members", Reply(200, json=EXPORT["members"]))
    serve_actions(server, EXPORT["actions"] if actions is None else actions)


def synthetic_actions(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"6402{n:020x}",
            "type": "updateCard",
            "date": "2023-03-04T08:00:00.000Z",
            "data": {"card": {"id": "6402f6413ee115cc0084afe6"}, "old": {"name": "x"}},
        }
        for n in range(count)
    ]


def test_key_and_token_travel_as_query_parameters_and_never_reach_the_log(
    server: FakeServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    serve_board(server)
    server.route("GET", f"/1/boards/{BOARD}/lists", Reply(503), Reply(200, json=EXPORT["lists"]))
    caplog.set_level(logging.DEBUG)
    # when
    with make_client(server, sleeps) as client:
        lists = client.lists(BOARD)
    # then
    assert [item["name"] for item in lists][:3] == ["Backlog", "Design", "To Do"]
    request = server.requests[-1]
    assert (request.param("key"), request.param("token"), request.param("filter")) == (
        KEY,
        TOKEN,
        "all",
    )
    assert "authorization" not in request.headers
    logged = caplog.text + repr([record.__dict__ for record in caplog.records])
    assert "http.retry" in caplog.text
    assert TOKEN not in logged and KEY not in logged


def test_actions_page_by_before_at_most_1000_a_call(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    actions = synthetic_actions(2500)
    serve_actions(server, actions)
    # when
    with make_client(server, sleeps) as client:
        pages = list(client.actions(BOARD, since="6402" + "0" * 19 + "9"))
    # then
    assert [len(page.items) for page in pages] == [1000, 1000, 490]
    calls = server.requests_to(f"/1/boards/{BOARD}/actions")
    assert [call.param("limit") for call in calls] == ["1000"] * 3
    assert calls[0].param("before") is None
    assert calls[1].param("before") == pages[0].items[-1]["id"]
    assert calls[2].param("before") == pages[1].items[-1]["id"]
    assert {call.param("since") for call in calls} == {"6402" + "0" * 19 + "9"}
    assert calls[0].param("filter") == client_module.ACTION_FILTER
    ids = [a["id"] for page in pages for a in page.items]
    assert len(set(ids)) == 2490 and ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("code", ["API_TOKEN_LIMIT_EXCEEDED", "API_KEY_LIMIT_EXCEEDED"])
def test_a_429_without_headers_backs_off_on_trellos_own_schedule(
    server: FakeServer, sleeps: Sleeps, code: str
) -> None:
    # given
    limited = Reply(429, json={"error": code, "message": "Rate limit exceeded"})
    server.route(
        "GET", f"/1/boards/{BOARD}/cards/all", limited, limited, limited, Reply(200, json=[])
    )
    # when
    with make_client(server, sleeps) as client:
        cards = client.cards(BOARD)
    # then
    assert cards == []
    assert sleeps.calls == [10.0, 20.0, 40.0]


def test_endless_rate_limiting_gives_up_naming_trello_and_the_redacted_url(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    limited = Reply(429, json={"error": "API_TOKEN_LIMIT_EXCEEDED"})
    server.route("GET", f"/1/boards/{BOARD}/cards/all", limited)
    # when
    client = make_client(server, sleeps, max_total_wait=120)
    with client, pytest.raises(HttpGaveUp) as caught:
        client.cards(BOARD)
    # then
    message = str(caught.value)
    assert message.startswith("Trello is rate limiting us (429 Too Many Requests) for GET ")
    assert f"/1/boards/{BOARD}/cards/all?key=***&token=***" in message
    assert TOKEN not in message and KEY not in message
    assert sleeps.calls == [10.0, 20.0, 40.0]  # the next wait (60 s) would pass 120 s in all


# -- sync ---------------------------------------------------------------------------------------


def trello_source(engagement: Engagement, url: str) -> DataSource:
    """A source syncing the sample board from the fake Trello at `url`."""
    return DataSource.objects.create(
        engagement=engagement,
        kind="trello",
        name="Kanban",
        scope={"board_id": BOARD, "api_url": url},
        username=KEY,
        token=TOKEN,
    )


@pytest.fixture
def source(vistula_engagement: Engagement, server: FakeServer) -> DataSource:
    return trello_source(vistula_engagement, server.url)


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch, sleeps: Sleeps) -> Sleeps:
    real = client_module.client_for
    monkeypatch.setattr(
        sync_module, "client_for", lambda source: real(source, sleep=sleeps, max_total_wait=30)
    )
    return sleeps


@pytest.mark.django_db
def test_a_first_sync_brings_the_board_in_and_a_second_asks_only_for_newer_actions(
    server: FakeServer, source: DataSource, no_waiting: Sleeps
) -> None:
    # given
    serve_board(server)
    # when
    first = sync_now(data_source=source)
    # then
    assert first.status == SyncRunStatus.SUCCEEDED, first.error
    assert WorkItem.objects.count() == 15 and StatusChange.objects.count() == 21
    newest = max(action["id"] for action in EXPORT["actions"])
    source.refresh_from_db()
    assert source.watermark == {"since": newest}
    assert "26 new card actions; first sync of this board." in first.summary
    # when
    second = sync_now(data_source=source)
    # then
    assert second.status == SyncRunStatus.SUCCEEDED, second.error
    assert second.counts["work_items"]["unchanged"] == 15
    assert server.requests_to(f"/1/boards/{BOARD}/actions")[-1].param("since") == newest
    assert "0 new card actions since action" in second.summary


@pytest.mark.django_db
def test_a_sync_failing_half_way_keeps_what_it_wrote_and_the_next_one_resumes_from_its_cursor(
    server: FakeServer,
    source: DataSource,
    no_waiting: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: pages of 10 actions; the second page keeps failing
    monkeypatch.setattr(client_module, "ACTIONS_PER_PAGE", 10)
    serve_board(server)
    route = f"/1/boards/{BOARD}/actions"
    paged = server._routes[("GET", route)]
    assert callable(paged)

    def failing_after_the_first_page(request: Request) -> Reply:
        return Reply(500) if request.param("before") else paged(request)

    server.route("GET", route, failing_after_the_first_page)
    # when
    failed = sync_now(data_source=source)
    # then: one clear error; the cards and the first page's moves are written, the watermark
    # has not moved, and the cursor says where to go on
    assert failed.status == SyncRunStatus.FAILED
    assert failed.error.startswith("Trello answered 500 Internal Server Error for GET ")
    assert failed.error.endswith("The next sync resumes from here.")
    assert TOKEN not in failed.error
    assert WorkItem.objects.count() == 15
    first_page = StatusChange.objects.count()
    assert 0 < first_page < 21
    failed.refresh_from_db()
    assert failed.cursor["count"] == 10 and "actions" not in failed.cursor
    assert failed.counts["status_changes"]["created"] == first_page
    source.refresh_from_db()
    assert source.watermark == {}
    before = failed.cursor["before"]
    # when: the service recovers and the next sync runs
    server.route("GET", route, paged)
    calls_before = len(server.requests_to(route))
    resumed = sync_now(data_source=source)
    # then: it continues at `before` without fetching the first page again, and loses nothing
    assert resumed.status == SyncRunStatus.SUCCEEDED, resumed.error
    calls = server.requests_to(route)[calls_before:]
    assert calls[0].param("before") == before
    assert all(call.param("before") for call in calls)
    assert StatusChange.objects.count() == 21
    done = WorkItem.objects.get(key="ZifeqXWw")
    assert (
        done.done_at is not None and done.done_at.isoformat() == "2023-03-04T12:47:53.834000+00:00"
    )
    assert "Resumed from where the previous sync stopped." in resumed.summary
    failed.refresh_from_db()
    assert failed.cursor == {}
    assert SyncRun.objects.filter(status=SyncRunStatus.SUCCEEDED).count() == 1


@pytest.mark.django_db
def test_a_sync_without_credentials_fails_with_what_to_set(
    vistula_engagement: Engagement,
) -> None:
    # given
    source = DataSource.objects.create(
        engagement=vistula_engagement,
        kind="trello",
        name="Kanban",
        scope={"board_id": BOARD, "api_url": "http://127.0.0.1:9"},
    )
    # when
    run = sync_now(data_source=source)
    # then
    assert run.status == SyncRunStatus.FAILED
    assert run.error == "Kanban: set the Trello API key (username) and token to sync."
