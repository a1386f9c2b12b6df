"""Benchmark the KPIs (issue 5): full and incremental recompute, and the dashboard under load.

    python benchmarks/bench_metrics.py [--scales 10000,100000,1000000] [--clients 20]
                                       [--requests 20]

Per scale N, an engagement with N work items, 10 status changes each, N/5 pull requests and
N/50 deployments (1 000 000 items: 10 000 000 changes, 200 000 PRs, 20 000 deployments) over
the twelve months before now, generated with numpy and written in bulk (metrics_data.py); a KPI
for every catalog metric that can be one. Then it times: the full recompute of every KPI for the 12
monthly periods (recompute_engagement, which writes the measurements), the same figures
straight from compute_many, an incremental recompute after 1 000 items changed in the last
month (for the KPIs a sync of changed work items queues), each run 5 times and its median
printed with the fastest and slowest run, and the p95 latency of the engagement's KPI
dashboard for a logged-in manager with `--clients` concurrent clients against `accord serve`
(its default web processes), with the server's and the clients' CPU per request. A fresh SQLite
database
in a temporary ACCORD_HOME, removed afterwards (or BENCH_DATABASE_URL's, which keeps the rows).
Parts that cannot run are named with the reason, and the rest still runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from metrics_data import FLOW, generate_delivery

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1234"  # a throwaway user in a throwaway database


def setup(home: str) -> None:
    """Settings on the throwaway ACCORD_HOME (or BENCH_DATABASE_URL), migrated."""
    os.environ["ACCORD_HOME"] = home
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "accord.config.settings"
    import logging

    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0, interactive=False)


def generate(items: int, *, now: dt.datetime, seed: int = 11) -> Any:
    """An engagement with `items` work items and their history, PRs and deployments."""
    from accord.accounts.actions import ensure_client_organization
    from accord.delivery.models import DataSource, SourceStatus
    from accord.engagements import actions as engagement_actions
    from accord.vendors import actions as vendor_actions

    ensure_client_organization(name="Bench client")
    vendor = vendor_actions.create_vendor(actor=None, name=f"Bench vendor {items}")
    engagement = engagement_actions.create_engagement(
        actor=None,
        name=f"Bench {items}",
        vendor=vendor,
        start_date=(now - dt.timedelta(days=365)).date(),
    )
    source = DataSource.objects.create(engagement=engagement, kind="jira", name="Jira")
    for sid, name, category in FLOW:
        SourceStatus.objects.create(
            data_source=source, external_id=sid, name=name, category=category
        )
    generate_delivery(source.pk, items, now=now, seed=seed)
    return engagement


def define_kpis(engagement: Any) -> tuple[int, list[str]]:
    """A monthly KPI for every catalog metric that can be one; (defined, skipped with why)."""
    from django.core.exceptions import ValidationError

    from accord.metrics.actions.kpis import define_kpi
    from accord.metrics.catalog import CATALOG

    defined, skipped = 0, []
    for key, metric in CATALOG.items():
        warning = 0.5 if metric.better == "higher" else 2.0
        try:
            define_kpi(
                actor=None, engagement=engagement, metric_key=key, target=1.0,
                warning_threshold=warning,
            )  # fmt: skip
            defined += 1
        except ValidationError as exc:
            skipped.append(f"{key}: {' '.join(exc.messages)}")
    return defined, skipped


def months_before(now: dt.datetime) -> list[Any]:
    """The 12 whole calendar months before the current one."""
    from accord.metrics.catalog import Period

    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = []
    for _ in range(13):
        starts.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    starts.reverse()
    return [Period(a, b) for a, b in itertools.pairwise(starts)]


# Each recompute is timed this many times and its median printed: on a shared machine one run
# can take half as long again as the next.
RUNS = 5
# CPU seconds of each timed part per scale, for the growth summary: {part: {items: seconds}}.
CPU: dict[str, dict[int, float]] = {}


def timed(work: Any, *, part: str = "", items: int = 0, runs: int = 1) -> tuple[str, Any]:
    """Run work `runs` times; its median wall time (with the fastest and slowest when run more
    than once), the matching CPU time of this process (PostgreSQL's own is not in it) and the
    1-minute load average as text, and the last result. Repeated runs redo the same work: a
    recompute upserts the same measurements."""
    times: list[tuple[float, float]] = []
    result = None
    for _ in range(runs):
        began, cpu = time.perf_counter(), time.process_time()
        result = work()
        times.append((time.perf_counter() - began, time.process_time() - cpu))
    times.sort()
    wall, cpu = times[len(times) // 2]
    if part:
        CPU.setdefault(part, {})[items] = cpu
    spread = f", {runs} runs {times[0][0]:.2f}-{times[-1][0]:.2f} s" if runs > 1 else ""
    return f"{wall:7.2f} s ({cpu:.2f} s CPU{spread}, load {os.getloadavg()[0]:.1f})", result


def growth() -> list[str]:
    """How each part's CPU time grew from one scale to the next (10x items: linear is 10x)."""
    lines = []
    for part, by_scale in CPU.items():
        scales = sorted(by_scale)
        steps = [
            f"{a:,} -> {b:,} items x{by_scale[b] / by_scale[a]:.1f}"
            for a, b in itertools.pairwise(scales)
            if by_scale[a] > 0
        ]
        if steps:
            lines.append(f"  {part:<17} CPU grows {', '.join(steps)}")
    return lines


def change_items(engagement: Any, count: int, now: dt.datetime) -> dt.datetime:
    """Move `count` items to done in the last month, as a sync would; the earliest change."""
    from accord.delivery.actions.bulk import update_rows
    from accord.delivery.models import WorkItem

    rows = list(
        WorkItem.objects.filter(data_source__engagement=engagement, done_at__isnull=True)
        .order_by("id")
        .values_list("id", "created_at")[:count]
    )
    earliest = now - dt.timedelta(days=20)
    update_rows(
        WorkItem,
        ["status", "status_id", "status_category", "done_at", "lead_time"],
        [(pk, "Done", "5", "done", max(earliest, created), max(earliest, created) - created)
         for pk, created in rows],
    )  # fmt: skip
    return min((max(earliest, c) for _, c in rows), default=earliest)


def dashboard_p95(engagement: Any, *, clients: int, requests: int) -> str:
    """p95 latency of the KPI dashboard with concurrent logged-in clients against accord serve,
    with the CPU the server and the clients spent per request (dashboard_load.py)."""
    import urllib.error
    import urllib.request

    from dashboard_load import load

    from accord.accounts.actions import create_user, ensure_client_organization
    from accord.accounts.models import Role, User

    if not User.objects.filter(username="bench.manager").exists():
        create_user(
            actor=None, username="bench.manager", email="bench@example.com",
            organization=ensure_client_organization(name="Bench client"), role=Role.MANAGER,
            password=PASSWORD,
        )  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("accord")), "serve", "--no-worker", "--no-demo",
         "--no-migrate", "--host", "127.0.0.1", "--port", str(port)],
        env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except (OSError, urllib.error.URLError):
                pass
            if server.poll() is not None:
                return f"skipped: accord serve stopped ({server.stderr.read()[-300:]})"  # type: ignore[union-attr]
            time.sleep(0.5)
        result = load(
            "127.0.0.1", port, f"/kpis/{engagement.slug}/", username="bench.manager",
            password=PASSWORD, clients=clients, requests=requests, server_pid=server.pid,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_average = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{result.summary(clients)}; load average {load_average}"


def bench(items: int, args: argparse.Namespace, now: dt.datetime) -> list[str]:
    from accord.metrics.actions.recompute import recompute_engagement
    from accord.metrics.catalog import CATALOG, compute_many
    from accord.metrics.catalog.records import needs_after_change

    lines = []
    took, engagement = timed(lambda: generate(items, now=now))
    lines.append(f"{items:>9,} items: generated in {took.strip()}")
    defined, skipped = define_kpis(engagement)
    for why in skipped:
        lines.append(f"  KPI skipped {why}")
    months = months_before(now)
    since, until = months[0].start, months[-1].end
    took, written = timed(
        lambda: recompute_engagement(engagement.pk, since=since, until=until, now=now),
        part="full recompute",
        items=items,
        runs=RUNS,
    )
    lines.append(
        f"  full recompute    {took}  ({defined} KPIs x 12 months, {written} measurements)"
    )
    took, _ = timed(
        lambda: compute_many(engagement, list(CATALOG), months),
        part="compute_many",
        items=items,
        runs=RUNS,
    )
    lines.append(f"  compute_many      {took}  (every catalog metric x 12 months)")
    earliest = change_items(engagement, 1000, now)
    # What a sync that changed those items queues: the periods from the earliest change on, for
    # the KPIs whose metrics read work items (accord.delivery.actions.records.run_import).
    needs = needs_after_change({"workitem"})
    took, written = timed(
        lambda: recompute_engagement(engagement.pk, since=earliest, needs=needs, now=now),
        part="incremental",
        items=items,
        runs=RUNS,
    )
    lines.append(f"  incremental       {took}  (1 000 items changed; {written} measurements)")
    if args.clients:
        p95 = dashboard_p95(engagement, clients=args.clients, requests=args.requests)
        lines.append(f"  dashboard         {p95}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales", default="10000,100000,1000000", help="item counts, comma-separated"
    )
    parser.add_argument("--clients", type=int, default=20, help="0: no dashboard load test")
    parser.add_argument("--requests", type=int, default=20, help="per client")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="accord-bench-metrics-") as home:
        setup(home)
        try:
            from accord.metrics.actions.recompute import recompute_engagement  # noqa: F401
            from accord.metrics.catalog import compute_many  # noqa: F401
        except ImportError as exc:
            print(f"metrics benchmark skipped: the metrics app lacks {exc.name or exc}")
            return
        from django.db import connection

        now = dt.datetime.now(dt.UTC)
        print(f"metrics on {connection.vendor}; {os.cpu_count()} CPUs")
        for items in scales:
            for line in bench(items, args, now):
                print(line, flush=True)
        for line in growth():
            print(line)
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average {load}")


if __name__ == "__main__":
    main()
