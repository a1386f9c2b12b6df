"""A tiny threaded HTTP server on 127.0.0.1 for connector client tests.

Tests script routes — `server.route("GET", "/1/boards/b/cards", Reply(500), Reply(200, json=[]))`
answers 500 then 200 (the last reply repeats) — or give a handler that builds a reply from the
request (for paging by query parameters). Every request is recorded in `server.requests`.
Unknown routes answer 404. `Reply(drop=True)` closes the connection without an answer, and
`Reply(delay=…)` answers late, so connection errors and read timeouts can be tested too.

    @pytest.fixture
    def server():
        with FakeServer() as running:
            yield running
"""

from __future__ import annotations

import json as jsonlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """A scripted answer: status, headers and a body (bytes, text or JSON)."""

    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0

    def payload(self) -> tuple[bytes, str]:
        """The body bytes and their content type."""
        if self.json is not None:
            return jsonlib.dumps(self.json).encode(), "application/json"
        data = self.body.encode() if isinstance(self.body, str) else self.body
        return data, "text/plain; charset=utf-8"


@dataclass
class Request:
    """A request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        return values[0] if values else None


Handler = Callable[[Request], Reply]


class FakeServer:
    """Scripted HTTP routes on 127.0.0.1, port chosen by the OS."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[tuple[str, str], list[Reply] | Handler] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, method: str, path: str, *replies: Reply | Handler) -> None:
        """Answer `method path` with these replies in turn (the last repeats) or a handler."""
        if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
            script: list[Reply] | Handler = replies[0]
        else:
            script = [reply for reply in replies if isinstance(reply, Reply)]
            assert script, "a route needs at least one reply"
        with self._lock:
            self._routes[(method.upper(), path)] = script

    def requests_to(self, path: str) -> list[Request]:
        """The recorded requests for one path."""
        return [request for request in self.requests if request.path == path]

    def start(self) -> FakeServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            script = self._routes.get((request.method, request.path))
            if script is None:
                return Reply(404, json={"message": f"no route for {request.method} {request.path}"})
            if callable(script):
                handler = script
            else:
                return script.pop(0) if len(script) > 1 else script[0]
        return handler(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = server._answer(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    return
                data, content_type = reply.payload()
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return

        return _Handler


class Sleeps:
    """An injectable sleep that records what it was asked to wait and never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)

    @property
    def total(self) -> float:
        """Seconds asked for in all."""
        return sum(self.calls)
