"""Template filters for delivery records: durations people read at a glance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

register = template.Library()


@register.filter
def duration(value: dt.timedelta | float | None) -> str:
    """A timedelta (or seconds) as "3d 4h", "5h 12m", "45m" or "12s"; "—" when undefined."""
    if value is None or value == "":
        return "—"
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    if seconds < 0:
        return "—"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


@register.filter
def since(end: dt.datetime | None, start: dt.datetime | None) -> str:
    """`{{ pr.merged_at|since:pr.created_at }}`: the time from start to end, or "—"."""
    if end is None or start is None:
        return "—"
    return duration(end - start)


@register.filter
def total(counts: dict[str, Any] | None, key: str) -> int:
    """One count of a run's per-kind counts dict, summed over kinds."""
    if not isinstance(counts, dict):
        return 0
    found = 0
    for kind_counts in counts.values():
        if isinstance(kind_counts, dict):
            found += int(kind_counts.get(key, 0))
    return found
