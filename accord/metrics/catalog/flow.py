"""Flow metrics over work items: throughput, cycle and lead time, WIP, aging WIP, time in
status and flow efficiency (DESIGN.md, canonical metric definitions). Pure functions."""

from __future__ import annotations

import numpy as np

from accord.metrics.catalog.base import (
    HOUR,
    Outcome,
    Period,
    in_period,
    metric,
    percentile,
    ratio,
    select,
)
from accord.metrics.catalog.records import CANCELLED, IN_PROGRESS, Inputs, WorkItems

ITEMS = ("work_items",)
NOT_STARTED = "done without ever being in progress"


def _items(inputs: Inputs) -> WorkItems:
    assert inputs.work_items is not None
    return inputs.work_items


def _cancelled(items: WorkItems, period: Period) -> np.ndarray:
    return (items.category == CANCELLED) & in_period(items.updated, period)


@metric(
    "throughput",
    label="Throughput",
    group="flow",
    unit="items",
    better="higher",
    formula="Number of work items whose done time (the last time they entered a done status, if "
    "done now) falls in the period. Cancelled items are not counted.",
    needs=ITEMS,
)
def throughput(inputs: Inputs, period: Period) -> Outcome:
    """Items reaching done in the period."""
    items = _items(inputs)
    done = in_period(items.done, period)
    count = int(done.sum())
    return Outcome(
        value=float(count) if count else None,
        counted=[select("work_item", items.id, done)],
        excluded=[select("work_item", items.id, _cancelled(items, period), reason="cancelled")],
        inputs={"done_items": count},
    )


def _durations(inputs: Inputs, period: Period, *, since: str) -> tuple[Outcome, np.ndarray]:
    """Hours from `since` (started or created) to done for items done in the period."""
    items = _items(inputs)
    done = in_period(items.done, period)
    origin = items.started if since == "started" else items.created
    usable = done & ~np.isnan(origin)
    hours = (items.done - origin) / HOUR
    excluded = [select("work_item", items.id, _cancelled(items, period), reason="cancelled")]
    if since == "started":
        excluded.insert(0, select("work_item", items.id, done & ~usable, reason=NOT_STARTED))
    outcome = Outcome(
        value=None,
        counted=[select("work_item", items.id, usable, hours)],
        excluded=excluded,
    )
    return outcome, hours[usable]


def _percentile_metric(inputs: Inputs, period: Period, *, since: str, q: float) -> Outcome:
    outcome, hours = _durations(inputs, period, since=since)
    outcome.value = percentile(hours, q)
    outcome.inputs = {"items": len(hours), "percentile": q, "hours": _summary(hours)}
    return outcome


def _summary(hours: np.ndarray) -> dict[str, float | None]:
    if len(hours) == 0:
        return {"min": None, "max": None}
    return {"min": round(float(hours.min()), 3), "max": round(float(hours.max()), 3)}


@metric(
    "cycle_time_p50_hours",
    label="Cycle time (p50)",
    group="flow",
    unit="hours",
    better="lower",
    formula="Median of done - started (first entry to an in-progress status) over the items done "
    "in the period, in calendar hours; numpy's linear interpolation. Items done without ever "
    "being in progress are excluded.",
    needs=ITEMS,
)
def cycle_time_p50(inputs: Inputs, period: Period) -> Outcome:
    """Median cycle time of items done in the period."""
    return _percentile_metric(inputs, period, since="started", q=50)


@metric(
    "cycle_time_p85_hours",
    label="Cycle time (p85)",
    group="flow",
    unit="hours",
    better="lower",
    formula="85th percentile of done - started over the items done in the period, in calendar "
    "hours; numpy's linear interpolation. Items done without ever being in progress are excluded.",
    needs=ITEMS,
)
def cycle_time_p85(inputs: Inputs, period: Period) -> Outcome:
    """85th percentile cycle time of items done in the period."""
    return _percentile_metric(inputs, period, since="started", q=85)


@metric(
    "lead_time_p50_hours",
    label="Lead time (p50)",
    group="flow",
    unit="hours",
    better="lower",
    formula="Median of done - created over the items done in the period, in calendar hours.",
    needs=ITEMS,
)
def lead_time_p50(inputs: Inputs, period: Period) -> Outcome:
    """Median lead time of items done in the period."""
    return _percentile_metric(inputs, period, since="created", q=50)


def _in_progress_at(items: WorkItems, moment: float) -> tuple[np.ndarray, np.ndarray]:
    """(in progress at the moment, started before it but neither done after it nor in progress
    now — back in to do or cancelled, so their state at the moment is not known from facts)."""
    started = items.started < moment
    done_later = items.done >= moment
    still = np.isnan(items.done) & (items.category == IN_PROGRESS)
    wip = started & (done_later | still)
    unknown = started & np.isnan(items.done) & (items.category != IN_PROGRESS)
    return wip, unknown


@metric(
    "wip",
    label="Work in progress",
    group="flow",
    unit="items",
    better="lower",
    formula="Items in progress at the period's end: started before it and either done at or "
    "after it or still in progress now; no data when there are none. Items started but now "
    "back in to do or cancelled are excluded (their state then is not known from their facts).",
    needs=ITEMS,
)
def wip(inputs: Inputs, period: Period) -> Outcome:
    """Items in progress at the end of the period."""
    items = _items(inputs)
    moment = period.end_ts
    now, unknown = _in_progress_at(items, moment)
    count = int(now.sum())
    age = (moment - items.started) / HOUR
    return Outcome(
        value=float(count) if count else None,
        counted=[select("work_item", items.id, now, age)],
        excluded=[
            select("work_item", items.id, unknown, reason="started, now back in to do or cancelled")
        ],
        inputs={"at": period.end.isoformat(), "items": count},
    )


@metric(
    "aging_wip",
    label="Aging WIP",
    group="flow",
    unit="items",
    better="lower",
    formula="Items in progress at the period's end whose age (period end - started) exceeds the "
    "period's 85th-percentile cycle time; no data when no item was done in the period.",
    needs=ITEMS,
)
def aging_wip(inputs: Inputs, period: Period) -> Outcome:
    """In-progress items older than the p85 cycle time."""
    items = _items(inputs)
    moment = period.end_ts
    now, _ = _in_progress_at(items, moment)
    _, hours = _durations(inputs, period, since="started")
    p85 = percentile(hours, 85)
    age = (moment - items.started) / HOUR
    if p85 is None:
        return Outcome(value=None, inputs={"cycle_time_p85_hours": None, "wip": int(now.sum())})
    old = now & (age > p85)
    return Outcome(
        value=float(old.sum()),
        counted=[select("work_item", items.id, old, age)],
        excluded=[
            select("work_item", items.id, now & ~old, age, reason="younger than the p85 cycle time")
        ],
        inputs={"cycle_time_p85_hours": round(p85, 3), "wip": int(now.sum())},
    )


def _breakdown(inputs: Inputs, period: Period) -> dict[str, object]:
    """Hours per status (and the waiting ones) of the items done in the period, when the status
    history was read (compute with evidence); a bulk recompute does without it."""
    times = inputs.status_times
    if times is None:
        return {}
    rows = in_period(times.done, period)
    codes, inverse = np.unique(times.status[rows], return_inverse=True)
    totals = np.bincount(inverse, weights=times.seconds[rows]) / HOUR
    ranked = sorted(zip(codes, totals, strict=True), key=lambda pair: -pair[1])
    waiting = np.unique(times.status[rows & ~times.active])
    return {
        "per_status_hours": {times.names[c]: round(float(h), 3) for c, h in ranked},
        "waiting_statuses": sorted(times.names[c] for c in waiting),
    }


def _cycles(inputs: Inputs, period: Period) -> tuple[WorkItems, np.ndarray, np.ndarray]:
    """(items, mask of those done in the period with a cycle, their cycle seconds)."""
    items = _items(inputs)
    counted = in_period(items.done, period) & ~np.isnan(items.started)
    return items, counted, items.done - items.started


@metric(
    "time_in_status",
    label="Time in status",
    group="flow",
    unit="hours",
    better="lower",
    formula="Hours the items done in the period spent between their start and done time, summed "
    "over the items; opened with its evidence, the inputs break it down per status from the "
    "status history.",
    needs=ITEMS,
    evidence_needs=("status_times",),
)
def time_in_status(inputs: Inputs, period: Period) -> Outcome:
    """Hours per status within the cycle of items done in the period."""
    items, counted, cycle = _cycles(inputs, period)
    if not counted.any():
        return Outcome(value=None)
    return Outcome(
        value=float(cycle[counted].sum() / HOUR),
        counted=[select("work_item", items.id, counted, cycle / HOUR)],
        excluded=[
            select("work_item", items.id, in_period(items.done, period) & ~counted,
                   reason=NOT_STARTED)
        ],
        inputs=_breakdown(inputs, period),
    )  # fmt: skip


@metric(
    "flow_efficiency",
    label="Flow efficiency",
    group="flow",
    unit="ratio",
    better="higher",
    formula="Of the cycle time of the items done in the period, the share spent in active "
    "statuses: those the data source marks active, or - when it marks none - in-progress "
    "statuses whose name does not say they wait (Blocked, Waiting for review, On hold…).",
    needs=ITEMS,
    evidence_needs=("status_times",),
)
def flow_efficiency(inputs: Inputs, period: Period) -> Outcome:
    """Active time ÷ cycle time over items done in the period."""
    items, counted, cycle = _cycles(inputs, period)
    known = counted & ~np.isnan(items.active)
    active, total = float(items.active[known].sum()), float(cycle[known].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = items.active / cycle
    return Outcome(
        value=ratio(active, total),
        counted=[select("work_item", items.id, known, shares)],
        excluded=[
            select("work_item", items.id, counted & ~known,
                   reason="active time not derived yet (import again or save the status mapping)")
        ],
        inputs={
            "active_hours": round(active / HOUR, 3),
            "cycle_hours": round(total / HOUR, 3),
            **_breakdown(inputs, period),
        },
    )  # fmt: skip


METRICS = [
    throughput,
    cycle_time_p50,
    cycle_time_p85,
    lead_time_p50,
    wip,
    aging_wip,
    time_in_status,
    flow_efficiency,
]
