"""Benchmark KPI recomputes: every catalog metric as a monthly KPI of a generated engagement.

    python benchmarks/bench_kpi_recompute.py [--items 100000] [--moves 10] [--prs 20000]
                                             [--deployments 2000] [--changed 1000]

Generates the engagement of bench_metric_catalog.py (one year, 2025) in a fresh SQLite database
under a temporary ACCORD_HOME (or BENCH_DATABASE_URL), makes each catalog metric a monthly KPI,
and prints the seconds of: a full recompute (every KPI, 12 months, measurements upserted);
an import through the delivery write path that changes `changed` items done in the last month;
and the incremental recompute that import queues (only the periods from its earliest changed
event time on).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--prs", type=int, default=20_000)
    parser.add_argument("--deployments", type=int, default=2_000)
    parser.add_argument("--changed", type=int, default=1_000)
    args = parser.parse_args()
    os.environ.setdefault("ACCORD_HOME", tempfile.mkdtemp(prefix="accord-bench-"))
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from bench_metric_catalog import generate

    from accord.engagements.models import Engagement

    began = time.perf_counter()
    engagement = Engagement.objects.filter(slug="bench").first() or generate(args)
    print(f"data ready in {time.perf_counter() - began:.1f} s ({args.items:,} items)")
    measure(engagement, args.changed)


def measure(engagement: Any, changed: int) -> None:
    from accord.delivery.actions.records import run_import, upsert_records
    from accord.delivery.models import SyncRun, WorkItem
    from accord.metrics import actions
    from accord.metrics.actions import recompute as recompute_module
    from accord.metrics.catalog import CATALOG
    from accord.metrics.models import KPI, Measurement

    Engagement = type(engagement)
    Engagement.objects.filter(pk=engagement.pk).update(
        start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 12, 31)
    )
    engagement.refresh_from_db()
    if not engagement.kpis.exists():
        KPI.objects.bulk_create(
            KPI(
                engagement=engagement,
                metric_key=key,
                name=metric.label,
                target=1,
                warning_threshold=1,
                better=metric.better,
            )
            for key, metric in CATALOG.items()
        )
    kpis = engagement.kpis.count()

    began = time.perf_counter()
    written = actions.recompute_engagement(engagement.pk)
    full = time.perf_counter() - began
    print(f"full recompute: {kpis} KPIs, {written} measurements: {full:.2f} s")

    # An import that moves the done time of `changed` items done in December by an hour.
    fields = ["done_at", "cycle_time", "lead_time"]
    rows = []
    items: Any = WorkItem.objects.filter(
        data_source__engagement=engagement, done_at__gte=dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    ).values("external_id", "data_source_id", "created_at", "started_at", "done_at")[:changed]
    for item in items:
        done = item["done_at"] + dt.timedelta(hours=1)
        rows.append(
            {
                "external_id": item["external_id"],
                "done_at": done,
                "cycle_time": done - item["started_at"],
                "lead_time": done - item["created_at"],
            }
        )
    queued: list[dict[str, Any]] = []
    recompute_module.enqueue_recompute = lambda engagement_id, **window: queued.append(window)
    source = engagement.data_sources.get()

    def work(summary: Any) -> None:
        upsert_records(WorkItem, data_source=source, rows=rows, fields=fields)

    began = time.perf_counter()
    run_import(data_source=source, trigger=SyncRun.Trigger.IMPORT, work=work)
    print(f"import of {len(rows)} changed items: {time.perf_counter() - began:.2f} s")
    since = queued[0]["since"]
    began = time.perf_counter()
    written = actions.recompute_engagement(engagement.pk, since=since)
    took = time.perf_counter() - began
    print(
        f"incremental recompute from {since:%Y-%m-%d %H:%M}: {written} measurements: {took:.2f} s"
    )
    print(f"measurements stored: {Measurement.objects.filter(kpi__engagement=engagement).count()}")


if __name__ == "__main__":
    main()
