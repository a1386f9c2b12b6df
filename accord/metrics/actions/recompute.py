"""Recomputing KPI measurements: fully, or only the periods that changed records touch."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accord.engagements.models import Engagement
from accord.metrics.actions.revision import touch_dashboard
from accord.metrics.models import KPI, Measurement, status_for
from accord.metrics.periods import Bounds, period_containing, periods_between

logger = logging.getLogger(__name__)

# How far back a full recompute goes when the engagement has no start date, in periods.
DEFAULT_HISTORY = {"week": 26, "month": 12, "quarter": 4}


def _json_ready(inputs: dict[str, Any]) -> dict[str, Any]:
    """The metric's raw inputs as plain JSON (numpy numbers and datetimes included)."""
    plain: dict[str, Any] = json.loads(json.dumps(inputs, cls=_Encoder))
    return plain


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if hasattr(o, "item"):  # numpy scalars
            return o.item()
        if hasattr(o, "tolist"):  # numpy arrays
            return o.tolist()
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def history_of(
    kpi: KPI, engagement: Engagement, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The span a KPI is measured over: the engagement's dates, up to the current period."""
    if engagement.start_date is not None:
        first = dt.datetime.combine(engagement.start_date, dt.time(), tzinfo=dt.UTC)
    else:
        first = period_containing(kpi.period_kind, now)[0]
        for _ in range(DEFAULT_HISTORY[kpi.period_kind] - 1):
            first = period_containing(kpi.period_kind, first - dt.timedelta(seconds=1))[0]
    last = period_containing(kpi.period_kind, now)[1]  # the current period included
    if engagement.end_date is not None:
        ended = dt.datetime.combine(engagement.end_date, dt.time(), tzinfo=dt.UTC)
        last = min(last, ended + dt.timedelta(days=1))
    return first, last


def periods_to_compute(
    kpi: KPI,
    engagement: Engagement,
    *,
    now: dt.datetime,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[Bounds]:
    """The KPI's periods within its history that overlap [since, until) (open ends: all)."""
    first, last = history_of(kpi, engagement, now)
    lo = max(first, since) if since is not None else first
    hi = min(last, until) if until is not None else last
    if since is not None and until is not None and until <= since:
        hi = since + dt.timedelta(microseconds=1)  # one moment: its own period
    return periods_between(kpi.period_kind, lo, hi)


def recompute_engagement(
    engagement_id: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    kpi_ids: Iterable[int] | None = None,
    needs: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Recompute the measurements of an engagement's active KPIs, upserted in bulk.

    Without `since`/`until` every period of the engagement's history is recomputed; with them
    only the periods overlapping [since, until); with `needs` (record sets such as "surveys")
    only the KPIs whose metric reads one of them. Returns how many measurements were written."""
    from accord.metrics.catalog import CATALOG, Period, compute_many

    began = time.monotonic()
    now = now or timezone.now()
    engagement = Engagement.objects.get(pk=engagement_id)
    kpis = KPI.objects.filter(engagement=engagement, active=True)
    if kpi_ids is not None:
        kpis = kpis.filter(pk__in=list(kpi_ids))
    if needs is not None:
        wanted = set(needs)
        kpis = kpis.filter(metric_key__in=[key for key, m in CATALOG.items() if m.needs & wanted])
    # One compute_many per (affiliation, period list): the catalog loads the data once for all.
    groups: dict[tuple[str, tuple[Bounds, ...]], list[KPI]] = defaultdict(list)
    for kpi in kpis:
        spans = periods_to_compute(kpi, engagement, now=now, since=since, until=until)
        if spans:
            groups[(kpi.affiliation, tuple(spans))].append(kpi)
    rows: list[Measurement] = []
    for (affiliation, bounds), group in groups.items():
        periods = [Period(start, end) for start, end in bounds]
        results = compute_many(
            engagement,
            sorted({k.metric_key for k in group}),
            periods,
            affiliation=affiliation or None,
            evidence=False,
        )
        for kpi in group:
            for period in periods:
                result = results[(kpi.metric_key, period)]
                rows.append(
                    Measurement(
                        kpi=kpi,
                        period_start=period.start,
                        period_end=period.end,
                        value=result.value,
                        status=status_for(
                            result.value,
                            target=kpi.target,
                            threshold=kpi.warning_threshold,
                            better=kpi.better,
                        ),
                        evidence_count=result.evidence_count,
                        computed_at=now,
                        inputs=_json_ready(result.inputs),
                    )
                )
    with transaction.atomic():
        Measurement.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["kpi", "period_start"],
            update_fields=[
                "period_end",
                "value",
                "status",
                "evidence_count",
                "computed_at",
                "inputs",
            ],
        )
        touch_dashboard(engagement_id)
    logger.info(
        "metrics.recompute.finished",
        extra={
            "engagement_id": engagement_id,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "measurements": len(rows),
            "seconds": round(time.monotonic() - began, 3),
        },
    )
    return len(rows)


def enqueue_recompute(
    engagement_id: int,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    needs: Iterable[str] | None = None,
) -> None:
    """Queue a recompute of the engagement's KPIs once the current transaction commits (only
    those whose metric reads one of `needs`, when given)."""
    from accord.metrics.tasks import recompute_kpis_task

    since_text = since.isoformat() if since is not None else None
    until_text = until.isoformat() if until is not None else None
    wanted = sorted(needs) if needs is not None else None
    transaction.on_commit(
        lambda: recompute_kpis_task.enqueue(engagement_id, since_text, until_text, None, wanted)
    )
