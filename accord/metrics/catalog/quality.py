"""Quality metrics: the bug share of done items and incidents per period (DESIGN.md). Pure."""

from __future__ import annotations

from accord.metrics.catalog.base import Outcome, Period, in_period, metric, ratio, select
from accord.metrics.catalog.records import BUG_TYPES, Inputs


@metric(
    "bug_share",
    label="Bug share",
    group="quality",
    unit="ratio",
    better="lower",
    formula="Of the work items done in the period, the share whose type is a bug ("
    + ", ".join(sorted(BUG_TYPES))
    + ", case-insensitive).",
    needs=("work_items",),
)
def bug_share(inputs: Inputs, period: Period) -> Outcome:
    """Bugs ÷ all items done in the period."""
    items = inputs.work_items
    assert items is not None
    done = in_period(items.done, period)
    bugs = done & items.is_bug
    return Outcome(
        value=ratio(int(bugs.sum()), int(done.sum())),
        counted=[select("work_item", items.id, bugs)],
        excluded=[select("work_item", items.id, done & ~items.is_bug, reason="not a bug")],
        inputs={"done_items": int(done.sum()), "bugs": int(bugs.sum())},
    )


@metric(
    "incidents",
    label="Incidents",
    group="quality",
    unit="incidents",
    better="lower",
    formula="Number of incidents whose start falls in the period; split by affiliation through "
    "the deployment each is attributed to. No data when the engagement has never recorded an "
    "incident (nothing tracks them), 0 when it has and none started in the period.",
    needs=("deployments", "incidents"),
)
def incidents(inputs: Inputs, period: Period) -> Outcome:
    """Incidents started in the period."""
    records = inputs.incidents
    assert records is not None
    started = in_period(records.started, period)
    count = int(started.sum())
    return Outcome(
        value=float(count) if count or inputs.extra.get("tracks_incidents") else None,
        counted=[select("incident", records.id, started)],
        inputs={"incidents": count},
    )


METRICS = [bug_share, incidents]
