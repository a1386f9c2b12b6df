"""The metrics part of the demo workspace: delivery items imported from a generated CSV export,
survey responses and manual values imported from CSV, KPIs with targets, and their computed
measurements, on the two active demo engagements. Everything goes through the same actions an
operator would use, so the dashboards show real computations."""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from pathlib import Path
from typing import Any

from django.utils import timezone

from accord.engagements.models import Engagement

# (metric key, period, target, warning threshold), per the engagement's agreement.
KPIS: list[tuple[str, str, float, float]] = [
    ("throughput", "month", 24, 18),
    ("cycle_time_p50_hours", "month", 64, 96),
    ("lead_time_p50_hours", "month", 240, 360),
    ("wip", "month", 12, 18),
    ("csat", "month", 0.8, 0.7),
    ("nps", "month", 30, 10),
    ("retention", "quarter", 0.95, 0.9),
    ("availability", "month", 0.999, 0.995),
    ("capacity_headroom", "month", 0.3, 0.15),
]
ENGAGEMENTS = {"mobile-banking-app": 11, "payments-platform": 23}  # slug → random seed
TITLES = [
    "Card controls: freeze and unfreeze",
    "Push notification for large payments",
    "Biometric login on Android",
    "Statement PDF download",
    "Fix crash when the session expires",
    "Savings goal widget",
    "Settlement stream consumer",
    "Reconcile batch and stream totals",
    "PCI scope review of the card vault",
    "Retry policy for the acquirer gateway",
]


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _work_items_csv(rng: random.Random, now: dt.datetime, prefix: str, days: int) -> str:
    """A tracker export: items created since the engagement started, most of them done by now."""
    lines = ["key,title,type,status,created,started,done,story_points"]
    for number in range(1, int(days * 1.2) + 1):
        created = now - dt.timedelta(days=rng.uniform(3, days), hours=rng.uniform(0, 9))
        kind = "Bug" if rng.random() < 0.22 else "Story"
        started = created + dt.timedelta(hours=rng.uniform(4, 24 * 12))
        done = started + dt.timedelta(hours=rng.lognormvariate(4.2, 0.6))
        if started > now:
            status, started_text, done_text = "To do", "", ""
        elif done > now or rng.random() < 0.06:
            status, started_text, done_text = "In progress", _stamp(started), ""
        else:
            status, started_text, done_text = "Done", _stamp(started), _stamp(done)
        title = f"{rng.choice(TITLES)} ({number})"
        points = rng.choice([1, 2, 3, 5, 8])
        lines.append(
            f"{prefix}-{number},{title},{kind},{status},{_stamp(created)},"
            f"{started_text},{done_text},{points}"
        )
    return "\n".join(lines) + "\n"


def _surveys_csv(rng: random.Random, now: dt.datetime, mood: float, days: int) -> str:
    lines = ["kind,score,responded at,respondent,comment"]
    for n in range(days):
        at = now - dt.timedelta(days=rng.uniform(0, days))
        csat = min(5, max(1, round(rng.gauss(3.9 + mood, 0.9))))
        nps = min(10, max(0, round(rng.gauss(7.6 + 2 * mood, 1.8))))
        lines.append(f"csat,{csat},{_stamp(at)},customer-{n:03d},")
        lines.append(f"nps,{nps},{_stamp(at + dt.timedelta(minutes=3))},customer-{n:03d},")
    return "\n".join(lines) + "\n"


def _manual_values_csv(rng: random.Random, today: dt.date, days: int) -> str:
    lines = ["kpi,period start,period end,value,note"]
    month = dt.date(today.year, today.month, 1)
    for _ in range(days // 30):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        downtime_minutes = rng.choice([0, 4, 12, 25, 70])
        availability = 1 - downtime_minutes / (30 * 24 * 60)
        lines.append(f"availability,{month},{last},{availability:.5f},monitoring export")
        lines.append(
            f"capacity_headroom,{month},{last},{rng.uniform(0.12, 0.45):.2f},peak CPU of the month"
        )
        if month.month in (1, 4, 7, 10):
            quarter_end = (month + dt.timedelta(days=95)).replace(day=1) - dt.timedelta(days=1)
            lines.append(
                f"retention,{month},{quarter_end},{rng.uniform(0.88, 0.99):.3f},CRM renewals"
            )
    return "\n".join(lines) + "\n"


def _load(engagement: Engagement, seed: int, manager: Any) -> None:
    from accord.delivery.actions.sources import find_or_create_source, import_path
    from accord.metrics import actions

    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    now = timezone.now().replace(microsecond=0)
    started = engagement.start_date or (now.date() - dt.timedelta(days=150))
    days = max(30, (now.date() - started).days)
    source = find_or_create_source(
        actor=manager, engagement=engagement, kind="csv", name="Tracker export"
    )
    with tempfile.TemporaryDirectory(prefix="accord-demo-") as folder:
        path = Path(folder) / "items.csv"
        path.write_text(
            _work_items_csv(rng, now, engagement.slug[:3].upper(), days), encoding="utf-8"
        )
        run = import_path(data_source=source, path=path, requested_by=manager)
    if run.status != "succeeded":
        raise RuntimeError(f"The demo tracker export did not import: {run.error}")
    mood = 0.25 if seed % 2 else -0.35
    actions.import_survey_responses(
        actor=manager, engagement=engagement, data=_surveys_csv(rng, now, mood, days)
    )
    actions.import_kpi_values(
        actor=manager, engagement=engagement, data=_manual_values_csv(rng, now.date(), days)
    )
    for key, period, target, threshold in KPIS:
        actions.define_kpi(
            actor=manager,
            engagement=engagement,
            metric_key=key,
            period_kind=period,
            target=target,
            warning_threshold=threshold,
        )
    actions.recompute_engagement(engagement.pk, now=now)


def load_metrics_demo() -> bool:
    """Give the active demo engagements delivery data, surveys, manual values, KPIs and
    measurements, unless they have KPIs already; True when something was created."""
    from accord.accounts.models import User

    manager = User.objects.filter(username="manager").first()
    created = False
    for slug, seed in ENGAGEMENTS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None or engagement.kpis.exists():
            continue
        _load(engagement, seed, manager)
        created = True
    return created
