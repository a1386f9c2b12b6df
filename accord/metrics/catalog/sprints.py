"""Sprint metrics over sprints closed in the period: say/do, planning accuracy, scope churn and
velocity (DESIGN.md). Membership flags (in at start, in at close) come from delivery. Pure."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from accord.metrics.catalog.base import Outcome, Period, in_period, metric, ratio, select
from accord.metrics.catalog.records import Inputs, Sprints

NEEDS = ("sprints",)
SUCCESSFUL_SAY_DO = 0.8  # DESIGN.md: a sprint is a successful iteration at say/do ≥ 80 %


def _sprints(inputs: Inputs) -> Sprints:
    assert inputs.sprints is not None
    return inputs.sprints


def per_sprint(sprints: Sprints, period: Period) -> dict[str, np.ndarray]:
    """Per sprint closed in the period: planned, planned done, done, added, removed, points."""
    closed = in_period(sprints.complete, period)
    n = len(sprints.id)

    def count(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else np.nan_to_num(weights) * mask
        return np.bincount(sprints.m_sprint, weights=w if w is not None else mask, minlength=n)

    planned = count(sprints.m_planned)
    return {
        "closed": closed,
        "planned": planned,
        "planned_done": count(sprints.m_planned & sprints.m_done_at_close),
        "done": count(sprints.m_done_at_close),
        "added": count(sprints.m_added),
        "removed": count(sprints.m_removed),
        "points_done": count(sprints.m_done_at_close, sprints.m_points),
    }


def _table(sprints: Sprints, stats: dict[str, np.ndarray], *keys: str) -> list[dict[str, object]]:
    rows = []
    for index in np.flatnonzero(stats["closed"]):
        row: dict[str, object] = {"sprint": int(sprints.id[index])}
        row.update({k: float(stats[k][index]) for k in keys})
        rows.append(row)
    return rows


def _pooled(
    inputs: Inputs,
    period: Period,
    *,
    numerator: Callable[[dict[str, np.ndarray]], np.ndarray],
    denominator: str,
    empty: str,
    shown: tuple[str, ...],
) -> Outcome:
    """Σ numerator ÷ Σ denominator over the sprints closed in the period, each sprint's own
    ratio as its evidence; sprints whose denominator is 0 are excluded as `empty`."""
    sprints = _sprints(inputs)
    stats = per_sprint(sprints, period)
    top, bottom = numerator(stats), stats[denominator]
    usable = stats["closed"] & (bottom > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        per = top / bottom
    return Outcome(
        value=ratio(top[usable].sum(), bottom[usable].sum()),
        counted=[select("sprint", sprints.id, usable, per)],
        excluded=[select("sprint", sprints.id, stats["closed"] & ~usable, reason=empty)],
        inputs={"sprints": _table(sprints, stats, *shown)},
    )


@metric(
    "say_do_ratio",
    label="Say/do ratio",
    group="sprints",
    unit="ratio",
    better="higher",
    formula="Over the sprints closed in the period: of the items in a sprint when it started, "
    "the share done when it closed (done at or before the close and still in the sprint), "
    "pooled over the sprints. Sprints with nothing planned at start are excluded.",
    needs=NEEDS,
    splittable=False,
)
def say_do_ratio(inputs: Inputs, period: Period) -> Outcome:
    """Planned items done at close ÷ planned items, over sprints closed in the period."""
    return _pooled(
        inputs,
        period,
        numerator=lambda stats: stats["planned_done"],
        denominator="planned",
        empty="nothing planned at start",
        shown=("planned", "planned_done"),
    )


@metric(
    "planning_accuracy",
    label="Planning accuracy",
    group="sprints",
    unit="ratio",
    better="higher",
    formula="Over the sprints closed in the period: of the items done when a sprint closed, the "
    "share that were planned (in the sprint when it started); work added mid-sprint lowers it.",
    needs=NEEDS,
    splittable=False,
)
def planning_accuracy(inputs: Inputs, period: Period) -> Outcome:
    """Planned items done ÷ all items done at close, over sprints closed in the period."""
    return _pooled(
        inputs,
        period,
        numerator=lambda stats: stats["planned_done"],
        denominator="done",
        empty="nothing done at close",
        shown=("done", "planned_done"),
    )


@metric(
    "scope_churn",
    label="Scope churn",
    group="sprints",
    unit="ratio",
    better="lower",
    formula="Over the sprints closed in the period: max(items added after the start, items "
    "removed before the close) ÷ items planned at the start, summed over the sprints.",
    needs=NEEDS,
    splittable=False,
)
def scope_churn(inputs: Inputs, period: Period) -> Outcome:
    """max(added, removed) ÷ planned, over sprints closed in the period."""
    return _pooled(
        inputs,
        period,
        numerator=lambda stats: np.maximum(stats["added"], stats["removed"]),
        denominator="planned",
        empty="nothing planned at start",
        shown=("planned", "added", "removed"),
    )


@metric(
    "velocity",
    label="Velocity",
    group="sprints",
    unit="points per sprint",
    better="higher",
    formula="Story points of the items done when their sprint closed, averaged over the sprints "
    "closed in the period (items without points count 0).",
    needs=NEEDS,
    splittable=False,
)
def velocity(inputs: Inputs, period: Period) -> Outcome:
    """Points done per sprint closed in the period."""
    sprints = _sprints(inputs)
    stats = per_sprint(sprints, period)
    closed = stats["closed"]
    count = int(closed.sum())
    return Outcome(
        value=ratio(stats["points_done"][closed].sum(), count),
        counted=[select("sprint", sprints.id, closed, stats["points_done"])],
        inputs={"sprints": _table(sprints, stats, "points_done")},
    )


METRICS = [say_do_ratio, planning_accuracy, scope_churn, velocity]
