"""Strategic KPIs (DESIGN.md): time-to-market and its acceleration, successful product
iterations, CSAT, NPS, retention, availability and capacity headroom. Values entered or
imported by hand (ManualValue) and survey responses come in through the loader. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from accord.metrics.catalog.base import (
    DAY,
    Outcome,
    Period,
    in_period,
    metric,
    percentile,
    ratio,
    select,
)
from accord.metrics.catalog.dora import successful
from accord.metrics.catalog.records import Inputs, ManualValues
from accord.metrics.catalog.sprints import SUCCESSFUL_SAY_DO, per_sprint

if TYPE_CHECKING:
    from accord.metrics.catalog.base import Metric

ACCELERATION = "time_to_market_acceleration"


def baselines(
    periods: Sequence[Period], baseline: Period | None, metrics: Sequence[Metric]
) -> list[Period]:
    """The extra periods the loader must cover for time-to-market acceleration."""
    if not any(m.key == ACCELERATION for m in metrics):
        return []
    return [baseline] if baseline is not None else [p.preceding() for p in periods]


def _time_to_market(inputs: Inputs, period: Period) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    epics = inputs.epics
    assert epics is not None
    done = in_period(epics.done, period)
    usable = done & ~np.isnan(epics.first_start)
    days = (epics.done - epics.first_start) / DAY
    return usable, done & ~usable, days


@metric(
    "time_to_market_p50_days",
    label="Time to market (p50)",
    group="strategic",
    unit="days",
    better="lower",
    formula="Median of released - first work started, in days, over the roadmap features (epics) "
    "done in the period; first work started is the earliest start of the epic or any item in it "
    "(by epic or parent key). Epics on which no work ever started are excluded.",
    needs=("epics",),
    splittable=False,
)
def time_to_market(inputs: Inputs, period: Period) -> Outcome:
    """Median first start → release of epics released in the period."""
    epics = inputs.epics
    assert epics is not None
    usable, never, days = _time_to_market(inputs, period)
    return Outcome(
        value=percentile(days[usable], 50),
        counted=[select("work_item", epics.id, usable, days)],
        excluded=[select("work_item", epics.id, never, reason="no work in it ever started")],
        inputs={"features": int(usable.sum())},
    )


@metric(
    ACCELERATION,
    label="Time-to-market acceleration",
    group="strategic",
    unit="ratio",
    better="higher",
    formula="(baseline p50 time to market - this period's) ÷ baseline p50: 0.25 means features "
    "reach the market 25 % faster. The baseline is the period given, or by default the period "
    "of the same length just before.",
    needs=("epics",),
    splittable=False,
)
def time_to_market_acceleration(inputs: Inputs, period: Period) -> Outcome:
    """Change of the time-to-market median against a baseline period."""
    epics = inputs.epics
    assert epics is not None
    baseline = inputs.extra.get("baseline") or period.preceding()
    usable, _, days = _time_to_market(inputs, period)
    before, _, _ = _time_to_market(inputs, baseline)
    now, then = percentile(days[usable], 50), percentile(days[before], 50)
    value = None if now is None or not then else (then - now) / then
    return Outcome(
        value=value,
        counted=[select("work_item", epics.id, usable, days)],
        inputs={"p50_days": now, "baseline_p50_days": then, "baseline": str(baseline)},
    )


@metric(
    "successful_iterations",
    label="Successful product iterations",
    group="strategic",
    unit="iterations",
    better="higher",
    formula=f"Sprints closed in the period with say/do ≥ {SUCCESSFUL_SAY_DO:.0%} plus successful "
    "production deployments finished in the period with no incident attributed to them.",
    needs=("sprints", "deployments"),
    splittable=False,
)
def successful_iterations(inputs: Inputs, period: Period) -> Outcome:
    """Good sprints plus clean production releases."""
    sprints, deployments = inputs.sprints, inputs.deployments
    assert sprints is not None and deployments is not None
    stats = per_sprint(sprints, period)
    with np.errstate(invalid="ignore", divide="ignore"):
        say_do = stats["planned_done"] / stats["planned"]
    good_sprints = stats["closed"] & (stats["planned"] > 0) & (say_do >= SUCCESSFUL_SAY_DO)
    released, _ = successful(deployments, period)
    clean = released & (deployments.incidents == 0)
    count = int(good_sprints.sum() + clean.sum())
    known = bool(stats["closed"].any() or released.any())
    return Outcome(
        value=float(count) if known else None,
        counted=[
            select("sprint", sprints.id, good_sprints, say_do),
            select("deployment", deployments.id, clean),
        ],
        excluded=[
            select(
                "sprint",
                sprints.id,
                stats["closed"] & ~good_sprints,
                reason=f"say/do below {SUCCESSFUL_SAY_DO:.0%}",
            ),
            select(
                "deployment", deployments.id, released & ~clean, reason="incident attributed to it"
            ),
        ],
        inputs={"sprints": int(good_sprints.sum()), "releases": int(clean.sum())},
    )


def manual(inputs: Inputs, key: str, period: Period) -> Outcome | None:
    """The hand-entered value of `key` for the period: the duration-weighted mean of the values
    whose period lies inside it, else the value whose period contains it; None when neither."""
    values: ManualValues | None = inputs.manual_values
    if values is None:
        return None
    mine = values.key == key
    inside = mine & (values.start >= period.start_ts) & (values.end <= period.end_ts)
    if not inside.any():
        inside = mine & (values.start <= period.start_ts) & (values.end >= period.end_ts)
        if not inside.any():
            return None
        inside = inside & (np.cumsum(inside) == 1)  # the first that contains it
    weights = values.end[inside] - values.start[inside]
    return Outcome(
        value=float(np.average(values.value[inside], weights=weights)),
        counted=[select("manual_value", values.id, inside, values.value)],
        inputs={"source": "manual values", "values": int(inside.sum())},
    )


def _surveys(inputs: Inputs, kind: str, period: Period) -> tuple[np.ndarray, np.ndarray]:
    surveys = inputs.surveys
    assert surveys is not None
    mask = (surveys.kind == kind) & in_period(surveys.responded, period)
    return mask, surveys.score


@metric(
    "csat",
    label="Customer satisfaction (CSAT)",
    group="strategic",
    unit="ratio",
    better="higher",
    formula="Share of CSAT answers (1-5) in the period that are 4 or 5; when no answers were "
    "imported, the value entered for the period by hand.",
    needs=("surveys", "manual_values"),
    splittable=False,
)
def csat(inputs: Inputs, period: Period) -> Outcome:
    """Share of 4-5 answers."""
    mask, score = _surveys(inputs, "csat", period)
    if not mask.any():
        return manual(inputs, "csat", period) or Outcome(value=None)
    assert inputs.surveys is not None
    happy = mask & (score >= 4)
    return Outcome(
        value=ratio(int(happy.sum()), int(mask.sum())),
        counted=[select("survey_response", inputs.surveys.id, mask, score)],
        inputs={"answers": int(mask.sum()), "satisfied": int(happy.sum())},
    )


@metric(
    "nps",
    label="Net promoter score",
    group="strategic",
    unit="points",
    better="higher",
    formula="(promoters (9-10) - detractors (0-6)) ÷ NPS answers in the period x 100; when no "
    "answers were imported, the value entered for the period by hand.",
    needs=("surveys", "manual_values"),
    splittable=False,
)
def nps(inputs: Inputs, period: Period) -> Outcome:
    """Promoters minus detractors, in points."""
    mask, score = _surveys(inputs, "nps", period)
    if not mask.any():
        return manual(inputs, "nps", period) or Outcome(value=None)
    assert inputs.surveys is not None
    promoters, detractors = int((mask & (score >= 9)).sum()), int((mask & (score <= 6)).sum())
    total = int(mask.sum())
    return Outcome(
        value=(promoters - detractors) / total * 100,
        counted=[select("survey_response", inputs.surveys.id, mask, score)],
        inputs={"answers": total, "promoters": promoters, "detractors": detractors},
    )


def _manual_metric(key: str, label: str, unit: str, formula: str) -> Metric:
    @metric(
        key,
        label=label,
        group="strategic",
        unit=unit,
        better="higher",
        formula=formula,
        needs=("manual_values",),
        splittable=False,
    )
    def entered(inputs: Inputs, period: Period) -> Outcome:
        """The value entered or imported for the period."""
        return manual(inputs, key, period) or Outcome(value=None)

    return entered


retention = _manual_metric(
    "retention",
    "Customer retention",
    "ratio",
    "Customers kept ÷ customers at the period's start, from the values entered or imported per "
    "period (duration-weighted mean of those inside the period, else the one containing it).",
)
capacity_headroom = _manual_metric(
    "capacity_headroom",
    "Capacity headroom",
    "ratio",
    "1 - peak utilisation of the infrastructure's capacity, from imported monitoring data or "
    "values entered per period (duration-weighted mean of those inside the period).",
)


@metric(
    "availability",
    label="Availability",
    group="strategic",
    unit="ratio",
    better="higher",
    formula="1 - downtime ÷ period length, downtime being the union of the incidents' spans "
    "(started → resolved, or the period's end while open) within the period. A value entered "
    "for the period by hand (monitoring data) wins; no data when nothing tracks incidents.",
    needs=("deployments", "incidents", "manual_values"),
    splittable=False,
)
def availability(inputs: Inputs, period: Period) -> Outcome:
    """Uptime share of the period from incidents or monitoring values."""
    entered = manual(inputs, "availability", period)
    if entered is not None:
        return entered
    incidents = inputs.incidents
    assert incidents is not None
    lo, hi = period.start_ts, period.end_ts
    start = np.clip(incidents.started, lo, hi)
    end = np.clip(np.where(np.isnan(incidents.resolved), hi, incidents.resolved), lo, hi)
    overlaps = end > start
    if not overlaps.any():
        value = 1.0 if inputs.extra.get("tracks_incidents") else None
        return Outcome(value=value, inputs={"downtime_hours": 0.0})
    order = np.argsort(start[overlaps])
    down, reach = 0.0, lo
    for s, e in zip(start[overlaps][order], end[overlaps][order], strict=True):
        if e > reach:
            down += e - max(s, reach)
            reach = e
    return Outcome(
        value=1 - down / (hi - lo),
        counted=[select("incident", incidents.id, overlaps)],
        inputs={"downtime_hours": round(down / 3600, 6), "period_hours": (hi - lo) / 3600},
    )


METRICS = [
    time_to_market,
    time_to_market_acceleration,
    successful_iterations,
    csat,
    nps,
    retention,
    availability,
    capacity_headroom,
]
