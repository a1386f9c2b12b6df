"""Paging helpers: Link rel="next", and the callback pager in the styles the services use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from accord.delivery.connectors.http import HttpError, HttpSession, link_pages, paginate
from accord.delivery.tests.fakeserver import FakeServer, Reply, Request, Sleeps


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture
def session(server: FakeServer) -> Iterator[HttpSession]:
    with HttpSession(
        service="GitHub", base_url=server.url, sleep=Sleeps(), jitter=lambda: 0.0
    ) as running:
        yield running


def numbered_pages(server: FakeServer, pages: int) -> None:
    def handler(request: Request) -> Reply:
        page = int(request.param("page") or 1)
        headers = {}
        if page < pages:
            headers["Link"] = (
                f'<{server.url}/repos/o/r/pulls?per_page=2&page={page + 1}>; rel="next", '
                f'<{server.url}/repos/o/r/pulls?per_page=2&page={pages}>; rel="last"'
            )
        return Reply(200, json=[{"number": page * 10 + i} for i in range(2)], headers=headers)

    server.route("GET", "/repos/o/r/pulls", handler)


def test_link_pages_follow_rel_next_to_the_end(server: FakeServer, session: HttpSession) -> None:
    # given
    numbered_pages(server, 3)
    # when
    pages = list(link_pages(session, "/repos/o/r/pulls", params={"per_page": 2}))
    # then
    assert [pull["number"] for page in pages for pull in page.items] == [10, 11, 20, 21, 30, 31]
    assert pages[0].cursor is None
    assert pages[0].next == f"{server.url}/repos/o/r/pulls?per_page=2&page=2"
    assert pages[-1].next is None
    assert [request.param("page") for request in server.requests] == [None, "2", "3"]


def test_link_pages_resume_from_a_stored_next_url(server: FakeServer, session: HttpSession) -> None:
    # given: a run that stopped after page 1 stored the next URL as its cursor
    numbered_pages(server, 3)
    cursor = f"{server.url}/repos/o/r/pulls?per_page=2&page=2"
    # when
    pages = list(link_pages(session, "/repos/o/r/pulls", start=cursor))
    # then
    assert [pull["number"] for page in pages for pull in page.items] == [20, 21, 30, 31]


def test_link_pages_retry_a_failing_page_without_losing_it(
    server: FakeServer, session: HttpSession
) -> None:
    # given
    numbered_pages(server, 2)
    calls = {"n": 0}
    paged = server._routes[("GET", "/repos/o/r/pulls")]
    assert callable(paged)

    def flaky(request: Request) -> Reply:
        calls["n"] += 1
        if request.param("page") == "2" and calls["n"] == 2:
            return Reply(500)
        return paged(request)

    server.route("GET", "/repos/o/r/pulls", flaky)
    # when
    pages = list(link_pages(session, "/repos/o/r/pulls"))
    # then
    assert [pull["number"] for page in pages for pull in page.items] == [10, 11, 20, 21]


def test_paginate_with_next_page_token(server: FakeServer, session: HttpSession) -> None:
    # given: Jira's /search/jql style
    tokens = {None: "t2", "t2": "t3", "t3": None}

    def handler(request: Request) -> Reply:
        token = request.param("nextPageToken")
        body: dict[str, Any] = {"issues": [{"key": f"K-{token or 't1'}"}]}
        if tokens[token]:
            body["nextPageToken"] = tokens[token]
        return Reply(200, json=body)

    server.route("GET", "/rest/api/3/search/jql", handler)

    def fetch(token: str | None) -> tuple[list[Any], str | None]:
        params = {"jql": "project = K"} | ({"nextPageToken": token} if token else {})
        body = session.get_json("/rest/api/3/search/jql", params=params)
        return body["issues"], body.get("nextPageToken")

    # when
    keys = [issue["key"] for page in paginate(fetch) for issue in page.items]
    # then
    assert keys == ["K-t1", "K-t2", "K-t3"]


def test_paginate_with_start_at_and_is_last(server: FakeServer, session: HttpSession) -> None:
    # given: Jira's changelog/Agile style
    values = list(range(7))

    def handler(request: Request) -> Reply:
        start, size = int(request.param("startAt") or 0), int(request.param("maxResults") or 3)
        chunk = values[start : start + size]
        return Reply(200, json={"values": chunk, "isLast": start + size >= len(values)})

    server.route("GET", "/rest/agile/1.0/board/8/sprint", handler)

    def fetch(start: int | None) -> tuple[list[int], int | None]:
        offset = start or 0
        body = session.get_json(
            "/rest/agile/1.0/board/8/sprint", params={"startAt": offset, "maxResults": 3}
        )
        return body["values"], None if body["isLast"] else offset + len(body["values"])

    # when
    pages = list(paginate(fetch))
    # then
    assert [value for page in pages for value in page.items] == values
    assert [page.cursor for page in pages] == [None, 3, 6]


def test_paginate_with_before_resumes_from_a_cursor(
    server: FakeServer, session: HttpSession
) -> None:
    # given: Trello's actions, newest first, paged by `before` the oldest id seen
    ids = [f"a{n:02d}" for n in range(10, 0, -1)]

    def handler(request: Request) -> Reply:
        before, limit = request.param("before"), int(request.param("limit") or 4)
        older = [i for i in ids if before is None or i < before]
        return Reply(200, json=[{"id": i} for i in older[:limit]])

    server.route("GET", "/1/boards/b/actions", handler)

    def fetch(before: str | None) -> tuple[list[dict[str, str]], str | None]:
        params = {"limit": 4} | ({"before": before} if before else {})
        actions = session.get_json("/1/boards/b/actions", params=params)
        return actions, actions[-1]["id"] if len(actions) == 4 else None

    # when
    resumed = list(paginate(fetch, start="a07"))
    # then
    assert [action["id"] for page in resumed for action in page.items] == [
        "a06",
        "a05",
        "a04",
        "a03",
        "a02",
        "a01",
    ]


def test_paginate_stops_when_a_cursor_repeats() -> None:
    # given: a service that keeps answering with the same token
    def fetch(token: str | None) -> tuple[list[int], str | None]:
        return [1], "same"

    # when
    with pytest.raises(HttpError) as caught:
        list(paginate(fetch, service="Jira"))
    # then
    assert str(caught.value) == "Jira returned the page cursor 'same' twice; stopped paging."
