"""The HTTP session every connector client uses: timeouts, retries, rate limits, paging.

One `HttpSession` per service and data source. It retries 5xx answers and connection errors
with exponential back-off, waits out 429s (Retry-After in seconds or as an HTTP date, or the
connector's own rule through `rate_limit_wait`), and gives up with one `HttpGaveUp` naming the
service and the URL once it has waited `max_total_wait` seconds in all. `sleep` and `clock` are
injectable so tests never really wait. Tokens never reach a log line or an error message:
Authorization-style headers are never logged and secret query parameters are shown as `***`.

Paging: `link_pages` follows `Link: <…>; rel="next"` (GitHub); `paginate` drives any other
style (nextPageToken, startAt/isLast, Trello's `before`) through a callback that fetches one
page for a cursor and returns the next cursor.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

logger = logging.getLogger(__name__)

# Query parameters whose values are credentials; matched case-insensitively.
SECRET_PARAMS = frozenset(
    {
        "key",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "api_token",
        "client_secret",
        "password",
        "secret",
        "sig",
        "signature",
    }
)
REDACTED = "***"

# A connector's own rate-limit rule: (response, attempt, now as epoch seconds) → seconds to wait
# if the response is a rate limit, or None to let the session decide.
RateLimitWait = Callable[[httpx.Response, int, float], "float | None"]

T = TypeVar("T")
C = TypeVar("C")


class HttpError(Exception):
    """A service answered in a way the connector cannot use; the message is one sentence."""

    def __init__(self, message: str, *, service: str, url: str, status: int | None = None):
        super().__init__(message)
        self.service = service
        self.url = url
        self.status = status


class HttpGaveUp(HttpError):
    """Retries or rate-limit waits ran past the session's limits."""


def redact_url(url: str | httpx.URL, secret_params: Collection[str] = SECRET_PARAMS) -> str:
    """The URL with credential query values and any user:password part replaced by ***."""
    parts = urlsplit(str(url))
    secrets = {name.lower() for name in secret_params}
    query = urlencode(
        [
            (name, REDACTED if name.lower() in secrets else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


class _RedactUrls(logging.Filter):
    """Redacts URLs in httpx's own log records ("HTTP Request: GET https://…?token=…")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


# httpx logs every request URL at INFO; Trello's key and token travel in the query string.
logging.getLogger("httpx").addFilter(_RedactUrls())


def retry_after_seconds(response: httpx.Response, now: float) -> float | None:
    """Seconds the `Retry-After` header asks for (delta-seconds or an HTTP date), else None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _reason(response: httpx.Response) -> str:
    phrase = response.reason_phrase or ""
    return f"{response.status_code} {phrase}".strip()


class HttpSession:
    """A connection to one service: base URL, auth, timeouts, retries and rate-limit waits."""

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        auth: httpx.Auth | tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        max_total_wait: float = 300.0,
        rate_limit_wait: RateLimitWait | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] | None = None,
        secret_params: Collection[str] = SECRET_PARAMS,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_total_wait = max_total_wait
        self.rate_limit_wait = rate_limit_wait
        self.sleep = sleep
        self.clock = clock
        # Jitter spreads retries of many workers; it is a fraction of the delay, up to +25 %.
        self.jitter = jitter if jitter is not None else random.random
        self.secret_params = frozenset(name.lower() for name in secret_params)
        self.total_waited = 0.0
        self._base_host = httpx.URL(base_url).host
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers=dict(headers or {}),
            params=dict(params or {}),
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            transport=transport,
            follow_redirects=False,
        )

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying connections."""
        self._client.close()

    def set_timeout(self, seconds: float) -> None:
        """Use one timeout for connecting, reading and writing from now on."""
        self._client.timeout = httpx.Timeout(seconds)

    def redact(self, url: str | httpx.URL) -> str:
        """The URL as it may appear in logs and errors."""
        return redact_url(url, self.secret_params)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """Send one request, retrying and waiting as needed; 2xx and `accept` statuses return."""
        request = self._client.build_request(method, url, params=params, json=json, headers=headers)
        shown = self.redact(request.url)
        if request.url.host != self._base_host:
            raise HttpError(
                f"{self.service}: refusing to send credentials to another host ({shown}).",
                service=self.service,
                url=shown,
            )
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.send(request)
            except httpx.TransportError as exc:
                # The exception text is the socket error; the URL is added redacted.
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                self._wait_or_give_up(
                    self._backoff(attempt),
                    attempt=attempt,
                    shown=shown,
                    method=method,
                    what=f"could not be reached ({problem})",
                    status=None,
                    counts_as_retry=True,
                )
                continue
            status = response.status_code
            if 200 <= status < 300 or status in accept:
                return response
            response.read()
            wait = None
            if self.rate_limit_wait is not None:
                wait = self.rate_limit_wait(response, attempt, self.clock())
            if wait is None and status == 429:
                wait = retry_after_seconds(response, self.clock())
                if wait is None:
                    wait = self._backoff(attempt)
            if wait is not None:
                self._wait_or_give_up(
                    wait,
                    attempt=attempt,
                    shown=shown,
                    method=method,
                    what=f"is rate limiting us ({_reason(response)})",
                    status=status,
                    counts_as_retry=False,
                )
                continue
            if status >= 500:
                wait = retry_after_seconds(response, self.clock()) or self._backoff(attempt)
                self._wait_or_give_up(
                    wait,
                    attempt=attempt,
                    shown=shown,
                    method=method,
                    what=f"answered {_reason(response)}",
                    status=status,
                    counts_as_retry=True,
                )
                continue
            raise HttpError(
                f"{self.service} answered {_reason(response)} for {method} {shown}{_hint(status)}",
                service=self.service,
                url=shown,
                status=status,
            )

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """GET with retries and rate-limit waits."""
        return self.request("GET", url, params=params, headers=headers, accept=accept)

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET and decode a JSON body; a body that is not JSON raises HttpError."""
        return self.json_of(self.get(url, params=params, headers=headers))

    def json_of(self, response: httpx.Response) -> Any:
        """The decoded JSON body of `response`, or one HttpError saying it is not JSON."""
        try:
            return response.json()
        except ValueError as exc:
            shown = self.redact(response.request.url)
            raise HttpError(
                f"{self.service} answered {shown} with a body that is not JSON.",
                service=self.service,
                url=shown,
                status=response.status_code,
            ) from exc

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return delay * (1 + 0.25 * self.jitter())

    def _wait_or_give_up(
        self,
        wait: float,
        *,
        attempt: int,
        shown: str,
        method: str,
        what: str,
        status: int | None,
        counts_as_retry: bool,
    ) -> None:
        if counts_as_retry and attempt > self.max_retries:
            raise HttpGaveUp(
                f"{self.service} {what} for {method} {shown}; gave up after {attempt} attempts.",
                service=self.service,
                url=shown,
                status=status,
            )
        if self.total_waited + wait > self.max_total_wait:
            raise HttpGaveUp(
                f"{self.service} {what} for {method} {shown}; gave up rather than wait "
                f"{wait:.0f} s more (already waited {self.total_waited:.0f} s, "
                f"limit {self.max_total_wait:.0f} s).",
                service=self.service,
                url=shown,
                status=status,
            )
        logger.warning(
            "http.retry",
            extra={
                "service": self.service,
                "url": shown,
                "status": status,
                "attempt": attempt,
                "wait_seconds": round(wait, 3),
            },
        )
        self.total_waited += wait
        self.sleep(wait)


def _hint(status: int) -> str:
    if status in (401, 403):
        return "; check the credentials and their permissions."
    if status == 404:
        return "; check the scope (project, board or repository) and that the token can see it."
    if status == 410:
        return "; this endpoint has been removed by the service."
    return "."


def next_link(response: httpx.Response) -> str | None:
    """The URL of `Link: <…>; rel="next"`, or None on the last page."""
    link = response.links.get("next")
    return link.get("url") if link else None


@dataclass(frozen=True)
class Page(Generic[T, C]):
    """One page: its items, the cursor that fetched it, and the cursor of the next page."""

    items: T
    cursor: C | None
    next: C | None


def paginate(
    fetch: Callable[[C | None], tuple[T, C | None]],
    *,
    start: C | None = None,
    service: str = "The service",
) -> Iterator[Page[T, C]]:
    """Pages from `fetch(cursor) -> (items, next cursor or None)`, from `start` to the last."""
    cursor = start
    seen: set[Any] = set()
    while True:
        items, following = fetch(cursor)
        yield Page(items=items, cursor=cursor, next=following)
        if following is None:
            return
        # A service that hands back a cursor it already gave would page forever.
        marker = repr(following)
        if marker in seen or following == cursor:
            raise HttpError(
                f"{service} returned the page cursor {following!r} twice; stopped paging.",
                service=service,
                url="",
            )
        seen.add(marker)
        cursor = following


def link_pages(
    session: HttpSession,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    start: str | None = None,
) -> Iterator[Page[Any, str]]:
    """JSON pages following Link rel="next"; `start` resumes from a stored next-page URL."""

    def fetch(cursor: str | None) -> tuple[Any, str | None]:
        if cursor is None:
            response = session.get(url, params=params, headers=headers)
        else:
            response = session.get(cursor, headers=headers)
        return session.json_of(response), next_link(response)

    return paginate(fetch, start=start, service=session.service)
