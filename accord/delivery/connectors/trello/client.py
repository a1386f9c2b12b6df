"""HTTP to Trello's REST API: a board's lists, cards, members and actions, with Trello's rate
limits.

Trello authenticates with the API key and token as query parameters (redacted in every log line
and error by the shared session). A 429 carries an error code in its JSON body
(API_TOKEN_LIMIT_EXCEEDED: 100 requests per 10 s per token; API_KEY_LIMIT_EXCEEDED: 300 per 10 s
per key) and no rate-limit headers, so the client waits on its own schedule: a full window, then
doubling, capped at a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from django.conf import settings

from accord.delivery.actions import ImportFailed
from accord.delivery.connectors.http import HttpSession, Page, paginate, retry_after_seconds
from accord.delivery.models import DataSource

ACTIONS_PER_PAGE = 1000  # Trello's maximum for one actions request
ACTION_FILTER = "createCard,copyCard,convertToCardFromCheckItem,emailCard,updateCard"
WINDOW_SECONDS = 10.0  # Trello counts requests per 10-second window
MAX_WAIT_SECONDS = 60.0
LIMIT_CODES = ("API_TOKEN_LIMIT_EXCEEDED", "API_KEY_LIMIT_EXCEEDED")

logger = logging.getLogger(__name__)


class TrelloNotConfigured(ImportFailed):
    """The data source lacks what a sync needs; the message says what to set."""


def rate_limit_wait(response: httpx.Response, attempt: int, now: float) -> float | None:
    """Trello's 429s: Retry-After if ever sent, else one window, doubling, up to a minute."""
    if response.status_code != 429:
        return None
    asked = retry_after_seconds(response, now)
    # The error code says which limit (token or key); both reset with the 10-second window.
    wait = (
        asked if asked is not None else min(MAX_WAIT_SECONDS, WINDOW_SECONDS * 2 ** (attempt - 1))
    )
    logger.info(
        "trello.rate_limited",
        extra={"code": limit_code(response) or "unknown", "attempt": attempt, "wait_seconds": wait},
    )
    return wait


def limit_code(response: httpx.Response) -> str:
    """The error code in a 429's JSON body ('' when the body has none)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    code = body.get("error") if isinstance(body, dict) else ""
    return str(code) if code in LIMIT_CODES else ""


class TrelloClient:
    """Reads one board's lists, cards, members and actions."""

    def __init__(
        self,
        *,
        base_url: str,
        key: str,
        token: str,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_total_wait: float = 600.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.session = HttpSession(
            service="Trello",
            base_url=base_url,
            params={"key": key, "token": token},
            rate_limit_wait=rate_limit_wait,
            sleep=sleep,
            clock=clock,
            max_total_wait=max_total_wait,
            transport=transport,
        )

    def __enter__(self) -> TrelloClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()

    def lists(self, board_id: str) -> list[Any]:
        """Every list of the board, archived ones included (old moves name them)."""
        return self._list(f"/1/boards/{board_id}/lists", {"filter": "all"})

    def cards(self, board_id: str) -> list[Any]:
        """Every card of the board, archived ones included."""
        return self._list(f"/1/boards/{board_id}/cards/all", {})

    def members(self, board_id: str) -> list[Any]:
        """The board's members with their names (the cards name their members by id only)."""
        return self._list(f"/1/boards/{board_id}/members", {"fields": "fullName,username"})

    def actions(
        self, board_id: str, *, since: str | None = None, before: str | None = None
    ) -> Iterator[Page[list[Any], str]]:
        """Card actions newer than `since`, newest first, a page of up to 1000 at a time.

        Each page's `next` is the `before` cursor of the page after it (the oldest id so far);
        `before` resumes from such a cursor."""

        def fetch(cursor: str | None) -> tuple[list[Any], str | None]:
            params: dict[str, Any] = {"filter": ACTION_FILTER, "limit": ACTIONS_PER_PAGE}
            if since:
                params["since"] = since
            if cursor:
                params["before"] = cursor
            page = self._list(f"/1/boards/{board_id}/actions", params)
            if len(page) < ACTIONS_PER_PAGE:
                return page, None
            last = page[-1]
            return page, str(last.get("id")) if isinstance(last, dict) else None

        return paginate(fetch, start=before, service="Trello")

    def _list(self, url: str, params: dict[str, Any]) -> list[Any]:
        body = self.session.get_json(url, params=params)
        if not isinstance(body, list):
            raise TrelloNotConfigured(
                f"Trello answered {url} with a JSON {type(body).__name__}, not a list; "
                "check the board id."
            )
        return body


def _api_url(data_source: DataSource) -> str:
    scope = data_source.scope or {}
    return str(scope.get("api_url") or getattr(settings, "ACCORD_TRELLO_API_URL", "") or "")


def client_for(data_source: DataSource, **options: Any) -> TrelloClient:
    """A client from the data source's API address, key (username) and token."""
    base_url = _api_url(data_source)
    if not base_url:
        raise TrelloNotConfigured(
            f"{data_source.name}: set the Trello REST API address (scope “api_url”) to sync."
        )
    if not data_source.username or not data_source.token:
        raise TrelloNotConfigured(
            f"{data_source.name}: set the Trello API key (username) and token to sync."
        )
    return TrelloClient(
        base_url=base_url, key=data_source.username, token=data_source.token, **options
    )


def check_connection(data_source: DataSource, *, timeout: float = 10.0, **options: Any) -> str:
    """Read the source's board name with its key and token (GET /1/boards/{id}), once."""
    from accord.delivery.connectors.checks import run_check, single_attempt

    board_id = str((data_source.scope or {}).get("board_id") or "")
    if not board_id:
        raise TrelloNotConfigured(f"{data_source.name}: set the Trello board id to test it.")
    with client_for(data_source, **options) as client:
        single_attempt(client.session, timeout)

        def attempt() -> str:
            board = client.session.get_json(f"/1/boards/{board_id}", params={"fields": "name"})
            name = board.get("name") if isinstance(board, dict) else None
            return f"Connected to Trello: the board “{name or board_id}” is readable."

        return run_check(
            attempt,
            service="Trello",
            address=_api_url(data_source),
            what=f"board {board_id}",
        )
