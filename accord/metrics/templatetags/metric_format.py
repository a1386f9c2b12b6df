"""How metric values and KPI statuses read on the metrics pages."""

from __future__ import annotations

from django import template

from accord.metrics.catalog.dora import CLASSES
from accord.metrics.models import Status

register = template.Library()

STATUS_BADGES = {
    "on_track": "bg-green-lt",
    "at_risk": "bg-yellow-lt",
    "off_track": "bg-red-lt",
    "no_data": "bg-secondary-lt",
}


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


@register.filter
def metric_value(value: float | None, unit: str = "") -> str:
    """A value in its unit: ratios as percentages, DORA classes by name, "no data" for None."""
    if value is None:
        return "no data"
    if unit == "ratio":
        return f"{value * 100:,.1f} %"
    if unit == "class":
        return CLASSES.get(round(value), _number(value))
    if unit == "hours":
        return f"{value:,.1f} h"
    return f"{_number(value)} {unit}".strip()


@register.filter
def status_badge(status: str) -> str:
    """The Tabler badge class of a KPI status."""
    return STATUS_BADGES.get(status, "bg-secondary-lt")


@register.filter
def status_label(status: str) -> str:
    """A KPI status as words: "On track", "At risk", "Off track", "No data"."""
    return Status(status).label if status in Status.values else "No data"
