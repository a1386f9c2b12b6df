"""How metric values and KPI statuses read on the metrics pages."""

from __future__ import annotations

import html
from collections.abc import Iterable

from django import template
from django.utils.safestring import SafeString, mark_safe

from accord.lib.charts import ChartPoint
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


def percent(points: float) -> str:
    """Percentage points with one decimal, or as many more (up to three) as keep a value that is
    not whole from rounding to a whole one: an availability of 99.97 % shows as "99.97", not as
    "100.0" next to its 99.9 % target, and a change of 0.03 pts as "0.03", not "0.0"."""
    whole = round(points)
    for decimals in (1, 2, 3):
        text = f"{points:,.{decimals}f}"
        if float(text.replace(",", "")) != whole or abs(points - whole) < 5e-4:
            return text
    return text


@register.filter
def metric_value(value: float | None, unit: str = "") -> str:
    """A value in its unit: ratios as percentages, DORA classes by name, "no data" for None."""
    if value is None:
        return "no data"
    if unit == "ratio":
        return f"{percent(value * 100)} %"
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


@register.simple_tag
def trend_rows(points: Iterable[ChartPoint], unit: str = "") -> SafeString:
    """A chart's periods as table rows, each value linked to its explanation. Written here rather
    than as a template loop (and with `html.escape`, what Django's `escape` calls, rather than
    `format_html`): a dashboard of 30 KPIs has ~400 of them, which cost a third of its page."""
    rows = []
    for point in points:
        label = html.escape(point.label)
        value = html.escape(metric_value(point.value, unit))
        if point.url:
            value = (
                f'<a href="{html.escape(point.url)}">{value}'
                f'<span class="visually-hidden"> — explain {label}</span></a>'
            )
        rows.append(
            f'<tr><th scope="row" class="fw-normal">{label}</th>'
            f'<td class="text-end">{value}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value escaped above
