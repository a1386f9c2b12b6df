"""HTTP to GitHub's REST API: Link-header paging, ETag conditional requests, rate limits.

Requests are made one at a time (GitHub asks integrators not to make concurrent requests).
Retries on 5xx and network errors and timeouts come from the shared HttpSession; GitHub's own
rate-limit rule is `rate_limit_wait`: wait what `retry-after` says; when
`x-ratelimit-remaining` is 0, wait until `x-ratelimit-reset` (UTC epoch seconds); any other rate
limit (a secondary limit without headers) waits at least a minute. A conditional request
(`If-None-Match` with a stored ETag) answered 304 means nothing changed, and GitHub does not
count it against the primary limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from accord.delivery.connectors.http import HttpError, HttpSession, next_link

PAGE_SIZE = 100
API_VERSION = "2022-11-28"
# An exhausted primary limit resets within the hour; waiting longer than that means trouble.
MAX_TOTAL_WAIT = 3900.0
SECONDARY_WAIT = 60.0


def rate_limit_wait(response: httpx.Response, attempt: int, now: float) -> float | None:
    """Seconds to wait if `response` is one of GitHub's rate limits, else None."""
    status = response.status_code
    if status not in (403, 429):
        return None
    headers = response.headers
    retry_after = headers.get("retry-after", "").strip()
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            pass
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            return max(0.0, float(headers.get("x-ratelimit-reset", "")) - now)
        except ValueError:
            return SECONDARY_WAIT
    if status == 429 or "rate limit" in response.text.lower():
        return SECONDARY_WAIT * attempt  # at least a minute, longer each time
    return None  # a 403 that is not a rate limit: permissions


@dataclass(frozen=True)
class GitHubPage:
    """One page of a list: its records, the next page's URL, and the first page's ETag."""

    items: list[Any]
    next: str | None
    etag: str = ""
    not_modified: bool = False


class GitHubClient:
    """One GitHub API base URL with one data source's token."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str = "",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        max_total_wait: float = MAX_TOTAL_WAIT,
        max_retries: int = 5,
    ) -> None:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "Accord",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.session = HttpSession(
            service="GitHub",
            base_url=api_url.rstrip("/"),
            headers=headers,
            sleep=sleep,
            clock=clock,
            transport=transport,
            max_total_wait=max_total_wait,
            max_retries=max_retries,
            rate_limit_wait=rate_limit_wait,
        )

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def page(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        etag: str = "",
        envelope: str = "",
    ) -> GitHubPage:
        """One page of a list: a path with params (first page) or a Link `next` URL as given.

        With `etag`, a 304 answer is a page that has not changed (no items, not_modified)."""
        headers = {"If-None-Match": etag} if etag else None
        query = {"per_page": PAGE_SIZE, **(params or {})} if params is not None else None
        response = self.session.get(url, params=query, headers=headers, accept=(304,))
        if response.status_code == 304:
            return GitHubPage(items=[], next=None, etag=etag, not_modified=True)
        payload = self.session.json_of(response)
        if envelope and isinstance(payload, dict):
            payload = payload.get(envelope)
        if not isinstance(payload, list):
            shown = self.session.redact(response.request.url)
            raise HttpError(
                f"GitHub answered {shown} with something other than a list.",
                service="GitHub",
                url=shown,
                status=response.status_code,
            )
        return GitHubPage(
            items=payload, next=next_link(response), etag=response.headers.get("etag", "")
        )

    def pages(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        etag: str = "",
        envelope: str = "",
        start: str | None = None,
    ) -> Iterator[GitHubPage]:
        """Every page of a list, following Link rel="next"; `start` resumes at a stored URL."""
        if start:
            current = self.page(start, envelope=envelope)
        else:
            current = self.page(url, params=params or {}, etag=etag, envelope=envelope)
        seen = {start or url}
        while True:
            yield current
            if not current.next:
                return
            if current.next in seen:
                raise HttpError(
                    f"GitHub linked to {self.session.redact(current.next)} twice; stopped paging.",
                    service="GitHub",
                    url=self.session.redact(current.next),
                )
            seen.add(current.next)
            current = self.page(current.next, envelope=envelope)


def check_connection(data_source: Any, *, timeout: float = 10.0, **options: Any) -> str:
    """Read the source's first repository with its token (GET /repos/{owner}/{name}), once."""
    from accord.delivery.connectors.checks import run_check, single_attempt
    from accord.delivery.connectors.github.sync import _repos, client_for

    repo = _repos(data_source)[0]
    with client_for(data_source, **options) as client:
        single_attempt(client.session, timeout)

        def attempt() -> str:
            response = client.session.get(f"/repos/{repo}")
            left = response.headers.get("x-ratelimit-remaining")
            quota = f" ({left} requests left this hour)" if left else ""
            return f"Connected to GitHub: {repo} is readable{quota}."

        return run_check(
            attempt,
            service="GitHub",
            address=str(data_source.scope.get("api_url")),
            what=f"repository {repo}",
        )
