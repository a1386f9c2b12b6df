"""Benchmark the metric catalog: every catalog metric for 12 monthly periods in one compute_many.

    python benchmarks/bench_metric_catalog.py [--items 100000] [--moves 10] [--prs 20000]
                                              [--deployments 2000]

Generates an engagement in a fresh SQLite database under a temporary ACCORD_HOME (or the
ACCORD_HOME given, reusing the engagement generated there before; or BENCH_DATABASE_URL), with
`items` work items of `moves` status changes each, pull requests, deployments and incidents
over one year, then times `compute_many(engagement, every key, 12 months, evidence=False)` (the
full recompute path) and
`compute(...)` of throughput with its evidence for one month. Prints the seconds per phase.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--moves", type=int, default=10)
    parser.add_argument("--prs", type=int, default=20_000)
    parser.add_argument("--deployments", type=int, default=2_000)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="accord-bench-")
    os.environ.setdefault("ACCORD_HOME", home)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from accord.engagements.models import Engagement

    began = time.perf_counter()
    engagement = Engagement.objects.filter(slug="bench").first() or generate(args)
    took = time.perf_counter() - began
    print(f"data ready in {took:.1f} s (ACCORD_HOME={os.environ['ACCORD_HOME']})")
    measure(engagement)


def generate(args: argparse.Namespace) -> Any:
    import datetime as dt
    import random

    from accord.delivery.models import (
        DataSource,
        Deployment,
        Incident,
        PullRequest,
        SourceStatus,
        StatusChange,
        WorkItem,
    )
    from accord.engagements.models import Engagement
    from accord.vendors.actions import create_vendor

    rng = random.Random(5)  # noqa: S311 - generated data, not secrets
    vendor = create_vendor(actor=None, name="Bench Vendor")
    engagement = Engagement.objects.create(name="Bench", slug="bench", vendor=vendor)
    source = DataSource.objects.create(engagement=engagement, kind="jira", name="Jira")
    flow = ["To Do", "In Progress", "Review", "Blocked", "In Progress", "Review", "Done"]
    categories = {"To Do": "todo", "In Progress": "in_progress", "Review": "in_progress",
                  "Blocked": "in_progress", "Done": "done"}  # fmt: skip
    SourceStatus.objects.bulk_create(
        SourceStatus(data_source=source, external_id=n, name=n, category=c)
        for n, c in categories.items()
    )
    year = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    # Each item: To Do → In Progress, then through Review, Blocked and In Progress again, and
    # Done at its last move (every fifth item stays in progress).
    histories = []
    for n in range(args.items):
        created = year + rng.random() * dt.timedelta(days=365)
        times = sorted(created + rng.random() * 400 * hour for _ in range(args.moves))
        path = ["To Do"] + [flow[1 + i % 4] for i in range(args.moves)]
        path[-1] = "Done" if n % 5 else "In Progress"
        histories.append((created, times, path))
    items = []
    for n, (created, times, path) in enumerate(histories):
        done = times[-1] if path[-1] == "Done" else None
        cycle = done - times[0] if done else None
        items.append(
            WorkItem(
                data_source=source, external_id=str(n), key=f"B-{n}", title=f"Item {n}",
                item_type="Bug" if n % 7 == 0 else "Story", status=path[-1],
                status_id=path[-1], status_category=categories[path[-1]], created_at=created,
                updated_at=times[-1], started_at=times[0], done_at=done, cycle_time=cycle,
                lead_time=done - created if done else None,
                active_seconds=cycle.total_seconds() * 0.6 if cycle else None,
            )
        )  # fmt: skip
    WorkItem.objects.bulk_create(items, batch_size=5000)
    ids = WorkItem.objects.filter(data_source=source).order_by("id").values_list("id", flat=True)
    changes = []
    for pk, (_, times, path) in zip(ids, histories, strict=True):
        for index, when in enumerate(times):
            before, after = path[index], path[index + 1]
            changes.append(
                StatusChange(
                    data_source=source, external_id=f"{pk}/{index}", work_item_id=pk,
                    from_status=before, from_status_id=before, from_category=categories[before],
                    to_status=after, to_status_id=after, to_category=categories[after],
                    changed_at=when,
                )
            )  # fmt: skip
        if len(changes) >= 50_000:
            StatusChange.objects.bulk_create(changes, batch_size=5000)
            changes = []
    StatusChange.objects.bulk_create(changes, batch_size=5000)
    prs = []
    for n in range(args.prs):
        created = year + rng.random() * dt.timedelta(days=365)
        merged = created + rng.random() * 100 * hour
        prs.append(PullRequest(
            data_source=source, external_id=f"pr{n}", repo="bench/app", number=n, title="x",
            author_login="ana", state="merged", created_at=created,
            first_review_at=created + rng.random() * 20 * hour, merged_at=merged,
            additions=rng.randrange(500), deletions=rng.randrange(100),
            merge_commit_sha=f"{n:040x}",
        ))  # fmt: skip
    PullRequest.objects.bulk_create(prs, batch_size=5000)
    deployments = []
    for n in range(args.deployments):
        finished = year + rng.random() * dt.timedelta(days=365)
        deployments.append(Deployment(
            data_source=source, external_id=f"d{n}", environment="production",
            status="success" if n % 10 else "failure", is_production=True,
            started_at=finished - hour, finished_at=finished, commit_sha=f"{n * 10:040x}",
        ))  # fmt: skip
    Deployment.objects.bulk_create(deployments, batch_size=5000)
    incidents = [
        Incident(
            data_source=source,
            external_id=f"i{n}",
            title="down",
            started_at=year + rng.random() * dt.timedelta(days=365),
            resolved_at=None,
        )
        for n in range(args.deployments // 20)
    ]
    for incident in incidents:
        incident.resolved_at = incident.started_at + rng.random() * 5 * hour
    Incident.objects.bulk_create(incidents, batch_size=5000)
    from accord.delivery.actions.derived import attribute_incidents

    attribute_incidents(engagement_id=engagement.pk)
    return engagement


def measure(engagement: Any) -> None:
    import cProfile
    import datetime as dt
    import pstats

    from accord.metrics.catalog import CATALOG, Period, compute, compute_many

    def first(month: int) -> dt.datetime:
        return dt.datetime(2025 + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=dt.UTC)

    months = [Period(first(m), first(m + 1)) for m in range(1, 13)]
    began = time.perf_counter()
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    if profile:
        profile.enable()
    results = compute_many(engagement, list(CATALOG), months)
    if profile:
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    full = time.perf_counter() - began
    print(
        f"full recompute: {len(CATALOG)} metrics x 12 months = {len(results)} values: {full:.2f} s"
    )
    began = time.perf_counter()
    one = compute(engagement, "throughput", months[5])
    took = time.perf_counter() - began
    print(f"one metric with evidence ({one.evidence_count} items): {took:.2f} s")


if __name__ == "__main__":
    main()
