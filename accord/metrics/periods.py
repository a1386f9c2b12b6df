"""Calendar periods a KPI is measured over: ISO weeks (Monday to Monday), months and quarters,
all aligned on midnight UTC and half-open [start, end)."""

from __future__ import annotations

import datetime as dt

from accord.metrics.models import PeriodKind

Bounds = tuple[dt.datetime, dt.datetime]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_containing(kind: str, at: dt.datetime) -> Bounds:
    """The period of `kind` that contains the moment `at` (an aware datetime)."""
    day = at.astimezone(dt.UTC).date()
    if kind == PeriodKind.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return _midnight(start), _midnight(start + dt.timedelta(days=7))
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        return _midnight(start), _midnight(_add_months(start, 1))
    if kind == PeriodKind.QUARTER:
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return _midnight(start), _midnight(_add_months(start, 3))
    raise ValueError(f"Unknown period kind {kind!r}; use week, month or quarter.")


def periods_between(kind: str, since: dt.datetime, until: dt.datetime) -> list[Bounds]:
    """Every period of `kind` that overlaps [since, until), oldest first."""
    periods: list[Bounds] = []
    if until <= since:
        return periods
    start, end = period_containing(kind, since)
    while start < until:
        periods.append((start, end))
        start, end = period_containing(kind, end)
    return periods


def parse_day(text: str) -> dt.date:
    """A YYYY-MM-DD date, or ValueError naming the expected form."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"“{text}” is not a date; write it as YYYY-MM-DD.") from None
