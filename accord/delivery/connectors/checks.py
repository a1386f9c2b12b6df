"""The "Test connection" button: one cheap authenticated request, and one clear sentence for
whatever went wrong — refused credentials, missing permission, nothing at that address, no
answer in time, a certificate that does not verify, or no route to the host.

Each connector's client module has `check_connection(data_source) -> str`, built on `run_check`:
it answers the success sentence, or raises ConnectionCheckFailed with the failure's sentence.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from accord.delivery.connectors.http import HttpError, HttpSession


class ConnectionCheckFailed(Exception):
    """The connection test failed; the message says why and what to check, in one sentence."""


# A person is waiting for the answer.
TIMEOUT_SECONDS = 10.0


def single_attempt(session: HttpSession, timeout: float = TIMEOUT_SECONDS) -> None:
    """A test asks once: no retries, no rate-limit waits and a short timeout."""
    session.max_retries = 0
    session.max_total_wait = 0.0
    session.set_timeout(timeout)


def explain(exc: HttpError, *, service: str, address: str, what: str) -> str:
    """One sentence for a failed test request."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, httpx.TimeoutException):
        return f"{service} did not answer in time at {address}; check the address or try again."
    if isinstance(cause, httpx.TransportError):
        text = str(cause)
        if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
            return (
                f"A secure (TLS) connection to {service} at {address} failed ({text}); check "
                "the address and the server's certificate."
            )
        return f"{service} could not be reached at {address} ({text or type(cause).__name__})."
    if exc.status == 401:
        return f"{service} refused the credentials (401); check the account and the API token."
    if exc.status == 403:
        return (
            f"{service} accepted the credentials but denied access to the {what} (403); "
            "give the token permission to read it."
        )
    if exc.status == 404:
        return (
            f"{service} at {address} found no {what} (404); check the address and the scope, "
            "and that the token can see it."
        )
    return str(exc)


def run_check(attempt: Callable[[], str], *, service: str, address: str, what: str) -> str:
    """The success sentence of `attempt`, or ConnectionCheckFailed with the failure's sentence."""
    try:
        return attempt()
    except HttpError as exc:
        raise ConnectionCheckFailed(
            explain(exc, service=service, address=address, what=what)
        ) from None
