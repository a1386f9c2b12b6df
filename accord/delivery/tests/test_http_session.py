"""HttpSession against a real local server: retries, back-off, 429s, limits, redaction."""

from __future__ import annotations

import email.utils
import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from accord.delivery.connectors.http import (
    HttpError,
    HttpGaveUp,
    HttpSession,
    redact_url,
    retry_after_seconds,
)
from accord.delivery.tests.fakeserver import FakeServer, Reply, Sleeps

NOW = 1_800_000_000.0


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as running:
        yield running


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_session(server: FakeServer, sleeps: Sleeps, **options: Any) -> HttpSession:
    defaults: dict[str, Any] = {
        "service": "Trello",
        "base_url": server.url,
        "sleep": sleeps,
        "clock": lambda: NOW,
        "jitter": lambda: 0.0,
    }
    return HttpSession(**{**defaults, **options})


def test_it_returns_a_successful_answer_at_once(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/1/boards/b1/cards", Reply(200, json=[{"id": "c1"}]))
    # when
    with make_session(server, sleeps) as session:
        cards = session.get_json("/1/boards/b1/cards", params={"fields": "name"})
    # then
    assert cards == [{"id": "c1"}]
    assert sleeps.calls == []
    assert server.requests[0].param("fields") == "name"


def test_it_retries_a_500_then_succeeds_with_exponential_backoff(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    server.route("GET", "/x", Reply(500), Reply(502), Reply(503), Reply(200, json={"ok": True}))
    # when
    with make_session(server, sleeps, backoff_base=2.0) as session:
        answer = session.get_json("/x")
    # then
    assert answer == {"ok": True}
    assert sleeps.calls == [2.0, 4.0, 8.0]
    assert len(server.requests_to("/x")) == 4


def test_backoff_is_capped_and_jittered_by_at_most_a_quarter(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    server.route("GET", "/x", Reply(500), Reply(500), Reply(500), Reply(200, json=1))
    # when
    with make_session(server, sleeps, backoff_base=10, backoff_max=15, jitter=lambda: 1.0) as s:
        s.get("/x")
    # then
    assert sleeps.calls == [12.5, 18.75, 18.75]


def test_it_gives_up_after_max_retries_naming_service_and_url(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    server.route("GET", "/1/boards/b1/actions", Reply(500))
    # when
    session = make_session(server, sleeps, max_retries=2)
    with session, pytest.raises(HttpGaveUp) as caught:
        session.get("/1/boards/b1/actions", params={"key": "K", "token": "SECRET"})
    # then
    message = str(caught.value)
    assert message.startswith("Trello answered 500 Internal Server Error for GET ")
    assert "/1/boards/b1/actions?key=***&token=***" in message
    assert "gave up after 3 attempts" in message
    assert "SECRET" not in message
    assert caught.value.status == 500
    assert len(server.requests) == 3
    assert len(sleeps.calls) == 2


def test_a_429_waits_as_retry_after_seconds_says(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(429, headers={"Retry-After": "7"}), Reply(200, json=[]))
    # when
    with make_session(server, sleeps) as session:
        session.get("/x")
    # then
    assert sleeps.calls == [7.0]


def test_a_429_waits_until_a_retry_after_http_date(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    when = email.utils.formatdate(NOW + 42, usegmt=True)
    server.route("GET", "/x", Reply(429, headers={"Retry-After": when}), Reply(200, json=[]))
    # when
    with make_session(server, sleeps) as session:
        session.get("/x")
    # then
    assert sleeps.calls == [42.0]


def test_a_429_without_retry_after_backs_off(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(429), Reply(429), Reply(200, json=[]))
    # when
    with make_session(server, sleeps, backoff_base=3) as session:
        session.get("/x")
    # then
    assert sleeps.calls == [3.0, 6.0]


def test_429s_do_not_use_up_the_retry_count_only_the_wait_budget(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given: more 429s than max_retries, each asking for 1 s
    replies = [Reply(429, headers={"Retry-After": "1"})] * 6 + [Reply(200, json=[])]
    server.route("GET", "/x", *replies)
    # when
    with make_session(server, sleeps, max_retries=2) as session:
        session.get("/x")
    # then
    assert sleeps.calls == [1.0] * 6


def test_it_gives_up_when_the_total_wait_would_pass_the_limit(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    server.route("GET", "/x", Reply(429, headers={"Retry-After": "40"}))
    # when
    session = make_session(server, sleeps, max_total_wait=100)
    with session, pytest.raises(HttpGaveUp) as caught:
        session.get("/x")
    # then
    assert sleeps.calls == [40.0, 40.0]
    assert str(caught.value) == (
        f"Trello is rate limiting us (429 Too Many Requests) for GET {server.url}/x; gave up "
        "rather than wait 40 s more (already waited 80 s, limit 100 s)."
    )


def test_a_connector_wait_rule_decides_first(server: FakeServer, sleeps: Sleeps) -> None:
    # given: a GitHub-style 403 with an exhausted limit that resets in 90 s
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW + 90))}
    server.route("GET", "/repos/o/r/pulls", Reply(403, headers=headers), Reply(200, json=[]))
    seen: list[tuple[int, int, float]] = []

    def github_wait(response: httpx.Response, attempt: int, now: float) -> float | None:
        seen.append((response.status_code, attempt, now))
        if response.headers.get("x-ratelimit-remaining") == "0":
            return float(response.headers["x-ratelimit-reset"]) - now
        return None

    # when
    with make_session(server, sleeps, service="GitHub", rate_limit_wait=github_wait) as session:
        session.get("/repos/o/r/pulls")
    # then
    assert sleeps.calls == [90.0]
    assert seen == [(403, 1, NOW)]


def test_a_wait_rule_that_declines_leaves_the_usual_handling(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    server.route("GET", "/x", Reply(404, json={"message": "Not Found"}))
    # when
    session = make_session(server, sleeps, rate_limit_wait=lambda r, a, n: None)
    with session, pytest.raises(HttpError) as caught:
        session.get("/x")
    # then
    assert not isinstance(caught.value, HttpGaveUp)
    assert caught.value.status == 404
    assert "check the scope" in str(caught.value)
    assert sleeps.calls == []


def test_a_401_fails_at_once_with_a_hint_about_credentials(
    server: FakeServer, sleeps: Sleeps
) -> None:
    # given
    server.route("GET", "/x", Reply(401, body="invalid token"))
    # when
    session = make_session(server, sleeps)
    with session, pytest.raises(HttpError) as caught:
        session.get("/x")
    # then
    assert str(caught.value) == (
        f"Trello answered 401 Unauthorized for GET {server.url}/x; "
        "check the credentials and their permissions."
    )
    assert len(server.requests) == 1


def test_accepted_statuses_are_returned_not_raised(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(304, headers={"ETag": '"abc"'}))
    # when
    with make_session(server, sleeps) as session:
        response = session.get("/x", headers={"If-None-Match": '"abc"'}, accept={304})
    # then
    assert response.status_code == 304
    assert server.requests[0].headers["if-none-match"] == '"abc"'


def test_a_dropped_connection_is_retried(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(drop=True), Reply(200, json={"ok": 1}))
    # when
    with make_session(server, sleeps) as session:
        answer = session.get_json("/x")
    # then
    assert answer == {"ok": 1}
    assert sleeps.calls == [1.0]


def test_a_read_timeout_is_retried(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(200, json=1, delay=0.5), Reply(200, json=2))
    # when
    with make_session(server, sleeps, read_timeout=0.1) as session:
        answer = session.get_json("/x")
    # then
    assert answer == 2
    assert len(sleeps.calls) == 1


def test_a_refused_connection_gives_up_naming_the_service(sleeps: Sleeps) -> None:
    # given: a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = HttpSession(
        service="Jira",
        base_url=f"http://127.0.0.1:{port}",
        params={"token": "SECRET"},
        sleep=sleeps,
        jitter=lambda: 0.0,
        max_retries=1,
    )
    # when
    with session, pytest.raises(HttpGaveUp) as caught:
        session.get("/rest/api/3/search/jql")
    # then
    message = str(caught.value)
    assert message.startswith("Jira could not be reached (ConnectError")
    assert f"127.0.0.1:{port}/rest/api/3/search/jql?token=***" in message
    assert "SECRET" not in message
    assert caught.value.status is None
    assert sleeps.calls == [1.0]


def test_basic_auth_and_default_params_are_sent(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(200, json=[]))
    # when
    with make_session(
        server, sleeps, auth=("me@example.org", "api-token"), params={"key": "K"}
    ) as session:
        session.get("/x", params={"limit": 5})
    # then
    request = server.requests[0]
    assert request.headers["authorization"].startswith("Basic ")
    assert request.param("key") == "K"
    assert request.param("limit") == "5"


def test_tokens_never_reach_the_log(
    server: FakeServer, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    server.route("GET", "/x", Reply(503), Reply(200, json=[]))
    caplog.set_level(logging.DEBUG)
    # when
    with make_session(
        server,
        sleeps,
        headers={"Authorization": "Bearer SECRET-HEADER"},
        params={"key": "SECRET-KEY", "token": "SECRET-TOKEN"},
    ) as session:
        session.get("/x")
    # then
    retries = [record for record in caplog.records if record.getMessage() == "http.retry"]
    assert len(retries) == 1
    assert retries[0].url == f"{server.url}/x?key=***&token=***"  # type: ignore[attr-defined]
    assert retries[0].status == 503  # type: ignore[attr-defined]
    everything = caplog.text + repr([record.__dict__ for record in caplog.records])
    assert "SECRET" not in everything


def test_it_refuses_to_send_credentials_to_another_host(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    session = make_session(server, sleeps, params={"token": "SECRET"})
    # when
    with session, pytest.raises(HttpError) as caught:
        session.get("http://elsewhere.invalid/steal")
    # then
    assert "refusing to send credentials to another host" in str(caught.value)
    assert "SECRET" not in str(caught.value)
    assert server.requests == []


def test_a_body_that_is_not_json_is_one_clear_error(server: FakeServer, sleeps: Sleeps) -> None:
    # given
    server.route("GET", "/x", Reply(200, body="<html>maintenance</html>"))
    # when
    session = make_session(server, sleeps)
    with session, pytest.raises(HttpError) as caught:
        session.get_json("/x")
    # then
    assert str(caught.value) == f"Trello answered {server.url}/x with a body that is not JSON."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://h/1/cards?key=abc&token=def&limit=5",
            "https://h/1/cards?key=***&token=***&limit=5",
        ),
        ("https://user:pw@h/x?Access_Token=z", "https://***@h/x?Access_Token=***"),
        ("https://h/x", "https://h/x"),
        ("https://h/x?q=a%20b&client_secret=s", "https://h/x?q=a+b&client_secret=***"),
    ],
)
def test_redact_url_hides_credentials(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("-5", 0.0),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_seconds(header: str, expected: float | None) -> None:
    request = httpx.Request("GET", "http://h/")
    headers = {"Retry-After": header} if header else {}
    response = httpx.Response(429, headers=headers, request=request)
    assert retry_after_seconds(response, NOW) == expected
