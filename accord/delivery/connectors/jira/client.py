"""HTTP to Jira Cloud: JQL search with changelogs, changelog pages, Agile sprints, statuses.

Search is GET /rest/api/3/search/jql paged by `nextPageToken` (the old /search answers 410 Gone
since 2025); it returns ids only unless `fields` is given. An embedded changelog may be
truncated, so `changelog()` pages /rest/api/3/issue/{id}/changelog by startAt until `isLast`.
Retries on 5xx and network errors, 429 waits (Retry-After) and timeouts come from the shared
HttpSession. Cloud authenticates with the account email and an API token (basic auth); without
a username the token is sent as a bearer token (Data Center personal access tokens).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from accord.delivery.connectors.http import HttpError, HttpSession, Page, paginate

SEARCH_PATH = "/rest/api/3/search/jql"
SEARCH_PAGE_SIZE = 100
CHANGELOG_PAGE_SIZE = 100
SPRINT_PAGE_SIZE = 50
# Every navigable field, custom ones included, so the sprint field can be recognised by its
# shape and story points and the epic link by name (expand=names).
FIELDS = "*navigable"


class JiraClient:
    """One Jira site, with the credentials of one data source."""

    def __init__(
        self,
        *,
        base_url: str,
        username: str = "",
        token: str = "",
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        max_total_wait: float = 300.0,
    ) -> None:
        headers = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        if username:
            auth = (username, token)
        elif token:
            headers["Authorization"] = f"Bearer {token}"
        self.session = HttpSession(
            service="Jira",
            base_url=base_url.rstrip("/"),
            auth=auth,
            headers=headers,
            sleep=sleep,
            transport=transport,
            max_total_wait=max_total_wait,
        )

    def __enter__(self) -> JiraClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def search_page(self, *, jql: str, next_page_token: str | None = None) -> dict[str, Any]:
        """One page of issues matching `jql`, with fields, names and changelogs."""
        params: dict[str, Any] = {
            "jql": jql,
            "fields": FIELDS,
            "expand": "changelog,names",
            "maxResults": SEARCH_PAGE_SIZE,
        }
        if next_page_token:
            params["nextPageToken"] = next_page_token
        payload = self.session.get_json(SEARCH_PATH, params=params)
        if not isinstance(payload, dict) or not isinstance(payload.get("issues"), list):
            raise HttpError(
                "Jira answered the issue search without a list of issues.",
                service="Jira",
                url=SEARCH_PATH,
            )
        return payload

    def search(
        self, *, jql: str, start_token: str | None = None
    ) -> Iterator[Page[dict[str, Any], str]]:
        """Every page of a search, from `start_token` (a stored nextPageToken) to the last."""

        def fetch(token: str | None) -> tuple[dict[str, Any], str | None]:
            """One page and the token of the next (None after the last)."""
            payload = self.search_page(jql=jql, next_page_token=token)
            following = payload.get("nextPageToken")
            if payload.get("isLast") is True or not following:
                following = None
            return payload, following

        return paginate(fetch, start=start_token, service="Jira")

    def changelog(self, issue_id: str) -> list[Any]:
        """Every changelog history of one issue, paged by startAt until isLast."""
        histories: list[Any] = []
        start = 0
        while True:
            payload = self.session.get_json(
                f"/rest/api/3/issue/{issue_id}/changelog",
                params={"startAt": start, "maxResults": CHANGELOG_PAGE_SIZE},
            )
            values = payload.get("values") if isinstance(payload, dict) else None
            if not isinstance(values, list):
                raise HttpError(
                    f"Jira answered the changelog of issue {issue_id} without values.",
                    service="Jira",
                    url=f"/rest/api/3/issue/{issue_id}/changelog",
                )
            histories.extend(values)
            start += len(values)
            total = payload.get("total")
            done = payload.get("isLast")
            if done is None:
                done = not values or (isinstance(total, int) and start >= total)
            if done or not values:
                return histories

    def sprints(self, board_id: str | int) -> list[Any]:
        """Every sprint of an Agile board, paged by startAt until isLast."""
        return self._agile_values(f"/rest/agile/1.0/board/{board_id}/sprint")

    def _agile_values(self, path: str) -> list[Any]:
        values: list[Any] = []
        start = 0
        while True:
            payload = self.session.get_json(
                path, params={"startAt": start, "maxResults": SPRINT_PAGE_SIZE}
            )
            page = payload.get("values") if isinstance(payload, dict) else None
            if not isinstance(page, list):
                raise HttpError(f"Jira answered {path} without values.", service="Jira", url=path)
            values.extend(page)
            start += len(page)
            if payload.get("isLast", True) or not page:
                return values

    def statuses(self) -> Sequence[Any]:
        """Every status of the site with its category (GET /rest/api/3/status)."""
        payload = self.session.get_json("/rest/api/3/status")
        if not isinstance(payload, list):
            raise HttpError(
                "Jira answered the status list with something else.",
                service="Jira",
                url="/rest/api/3/status",
            )
        return payload


def check_connection(data_source: Any, *, timeout: float = 10.0, **options: Any) -> str:
    """Ask Jira who the source's credentials belong to (GET /rest/api/3/myself), once."""
    from accord.delivery.connectors.checks import run_check, single_attempt
    from accord.delivery.connectors.jira.sync import client_for

    with client_for(data_source, **options) as client:
        single_attempt(client.session, timeout)
        address = str(data_source.scope.get("base_url"))

        def attempt() -> str:
            me = client.session.get_json("/rest/api/3/myself")
            who = me.get("displayName") or me.get("emailAddress") if isinstance(me, dict) else ""
            return f"Connected to Jira at {address} as {who or 'an unnamed account'}."

        return run_check(attempt, service="Jira", address=address, what="account profile")
