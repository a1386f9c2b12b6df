"""Load on a page of a running Accord: concurrent logged-in clients, latency percentiles and the
CPU that the clients and the server spent.

The clients share the machine with the server, so they must cost little: each is a thread with
one kept-alive `http.client` connection (reopened when the server closes it), no HTTP library
on top. The CPU figures make a run on a busy machine readable: the server's CPU per request does
not depend on what else runs, while wall-clock latency does.
"""

from __future__ import annotations

import http.client
import os
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    client_cpu: float = 0.0
    server_cpu: float | None = None
    wall: float = 0.0
    page_bytes: int = 0

    def summary(self, clients: int) -> str:
        if self.failures:
            return f"failed: {self.failures[0]} ({len(self.failures)} failures)"
        done = sorted(self.latencies)
        n = len(done)
        p95 = done[max(0, int(n * 0.95) - 1)]
        server = (
            f", server {self.server_cpu / n * 1000:.1f} ms CPU a request"
            if self.server_cpu is not None
            else ""
        )
        return (
            f"p95 {p95 * 1000:.0f} ms, median {statistics.median(done) * 1000:.0f} ms over "
            f"{n} requests from {clients} clients ({n / self.wall:.0f} requests/s, "
            f"{self.page_bytes / 1024:.0f} KiB a page{server}, clients "
            f"{self.client_cpu / n * 1000:.1f} ms CPU a request)"
        )


class Session:
    """One client: a kept-alive connection and the cookies the server set."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.referer = f"http://{host}:{port}"

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.referer + path
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected):
                # The server closed a kept-alive connection between two requests: reopen once.
                self.connection.close()
                if attempt == 2:
                    raise
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.connection.close()
        return response.status, data

    def login(self, username: str, password: str) -> str:
        """Log in; an empty string, or what went wrong."""
        self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies.get("csrftoken", ""),
            },
        )
        if status not in (200, 302) or "sessionid" not in self.cookies:
            return f"the login answered {status}"
        return ""


def _tree_cpu(pid: int) -> float | None:
    """User and system CPU seconds of a process and all its descendants (Linux /proc), or None."""
    proc = Path("/proc")
    if not (proc / str(pid) / "stat").exists():
        return None
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid = int(fields[1])
        children.setdefault(ppid, []).append(int(entry.name))
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(children.get(current, []))
    return total


def load(
    host: str,
    port: int,
    path: str,
    *,
    username: str,
    password: str,
    clients: int,
    requests: int,
    server_pid: int | None = None,
) -> Result:
    """`clients` logged-in sessions each asking for `path` `requests` times, after one warm-up
    request each (not counted); the CPU is counted from the first timed request to the last."""
    result = Result()
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    sessions = [Session(host, port) for _ in range(clients)]

    def client(session: Session) -> None:
        try:
            failed = session.login(username, password)
            if failed:
                with lock:
                    result.failures.append(failed)
                return
            status, page = session.request("GET", path)  # warm-up
            result.page_bytes = len(page)
        finally:
            ready.wait()
        for _ in range(requests):
            began = time.perf_counter()
            status, _ = session.request("GET", path)
            took = time.perf_counter() - began
            with lock:
                result.latencies.append(took)
                if status != 200:
                    result.failures.append(f"the page answered {status}")

    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    ready.wait()
    server_before = _tree_cpu(server_pid) if server_pid else None
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.join()
    result.client_cpu = time.process_time() - cpu_before
    result.wall = time.perf_counter() - wall_before
    server_after = _tree_cpu(server_pid) if server_pid else None
    if server_before is not None and server_after is not None:
        result.server_cpu = server_after - server_before
    for session in sessions:
        session.connection.close()
    return result
