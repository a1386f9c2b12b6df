"""Rows of Accord's generic work-item CSV → field dicts (docs/csv-import.md); pure functions.

Every problem is one sentence naming the row as a spreadsheet numbers it (the header is row 1)
and the column as the file spells it, e.g. "Row 14: 'Created' is not a date (expected …)".
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

COLUMNS = (
    "key",
    "title",
    "type",
    "status",
    "created",
    "updated",
    "started",
    "done",
    "assignee",
    "assignee_email",
    "labels",
    "story_points",
    "url",
    "parent",
)
REQUIRED = ("key", "title", "status", "created")
DATE_COLUMNS = ("created", "updated", "started", "done")
DATE_EXAMPLES = "2026-02-25, 2026-02-25 22:17, 2026-02-25T22:17:00+01:00 or 25/Feb/26 10:17 PM"
# Written-out formats besides ISO 8601; the month is a name, so day and month never get swapped.
FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d/%b/%y",
    "%d/%b/%Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d %B %Y %H:%M",
    "%d %B %Y",
)
LABEL_SEPARATORS = re.compile(r"[;,]")
MAX_LENGTHS = {"key": 100, "title": 500, "type": 100, "status": 200, "parent": 100, "url": 500}


class RowError(ValueError):
    """One row cannot be read; the message is the sentence shown to the user."""


def normalize_header(name: str) -> str:
    """The column a header cell names: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def zone_named(name: str | None) -> zoneinfo.ZoneInfo:
    """The IANA zone for naive times (UTC when not given); ValueError names a bad one."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"“{name}” is not a time zone (expected an IANA name like Europe/Berlin)."
        ) from None


def parse_date(value: str, zone: dt.tzinfo) -> dt.datetime | None:
    """A time in one of the accepted forms; naive ones are in `zone`; None if unreadable."""
    text = value.strip()
    parsed: dt.datetime | None = None
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        for form in FORMATS:
            try:
                parsed = dt.datetime.strptime(text, form)  # the zone is applied below
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(dt.UTC)


@dataclass(frozen=True)
class Row:
    """One work item as the CSV gives it."""

    number: int
    key: str
    title: str
    item_type: str
    status: str
    created: dt.datetime
    updated: dt.datetime | None
    started: dt.datetime | None
    done: dt.datetime | None
    assignee: str
    assignee_email: str
    labels: list[str] = field(default_factory=list)
    story_points: Decimal | None = None
    url: str = ""
    parent: str = ""


def read_row(
    number: int, cells: Mapping[str, str], shown: Mapping[str, str], zone: dt.tzinfo
) -> Row:
    """A Row from cells keyed by column; `shown` gives each column as the header spells it."""

    def text(column: str) -> str:
        value = (cells.get(column) or "").strip()
        if column in REQUIRED and not value:
            raise RowError(f"Row {number}: '{shown[column]}' is empty.")
        limit = MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            raise RowError(f"Row {number}: '{shown[column]}' is longer than {limit} characters.")
        return value

    def when(column: str) -> dt.datetime | None:
        value = text(column) if column in shown else ""
        if not value:
            return None
        parsed = parse_date(value, zone)
        if parsed is None:
            raise RowError(
                f"Row {number}: '{shown[column]}' is not a date: “{value}” "
                f"(expected {DATE_EXAMPLES})."
            )
        return parsed

    created = when("created")
    assert created is not None  # a required column, checked by text()
    started, done = when("started"), when("done")
    for column, moment in (("started", started), ("done", done)):
        if moment is not None and moment < created:
            raise RowError(
                f"Row {number}: '{shown[column]}' is before '{shown['created']}'; "
                "an item cannot start or finish before it exists."
            )
    if started and done and done < started:
        raise RowError(f"Row {number}: '{shown['done']}' is before '{shown['started']}'.")
    points = text("story_points") if "story_points" in shown else ""
    story_points = None
    if points:
        try:
            story_points = Decimal(points.replace(",", "."))
        except InvalidOperation:
            story_points = None
        if story_points is None or not story_points.is_finite() or story_points < 0:
            raise RowError(
                f"Row {number}: '{shown['story_points']}' is not a number: “{points}” "
                "(expected e.g. 3 or 0.5)."
            )
        if story_points >= Decimal("1000000"):
            raise RowError(f"Row {number}: '{shown['story_points']}' is too large: “{points}”.")
        # Stored with two decimals; rounding here keeps a re-import from counting as a change.
        story_points = story_points.quantize(Decimal("0.01"))
    url = text("url") if "url" in shown else ""
    if url and not re.match(r"^https?://\S+$", url):
        raise RowError(
            f"Row {number}: '{shown['url']}' is not a web address: “{url}” (expected https://…)."
        )
    email = text("assignee_email") if "assignee_email" in shown else ""
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise RowError(
            f"Row {number}: '{shown['assignee_email']}' is not an email address: “{email}”."
        )
    labels_text = text("labels") if "labels" in shown else ""
    return Row(
        number=number,
        key=text("key"),
        title=text("title"),
        item_type=text("type") if "type" in shown else "",
        status=text("status"),
        created=created,
        updated=when("updated"),
        started=started,
        done=done,
        assignee=text("assignee")[:200] if "assignee" in shown else "",
        assignee_email=email,
        labels=[label.strip() for label in LABEL_SEPARATORS.split(labels_text) if label.strip()],
        story_points=story_points,
        url=url,
        parent=text("parent") if "parent" in shown else "",
    )


def columns_of(header: Sequence[str]) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """(cell index → column, column → header spelling, unknown headers) for a header row."""
    index: dict[int, str] = {}
    shown: dict[str, str] = {}
    unknown: list[str] = []
    for position, name in enumerate(header):
        column = normalize_header(name)
        if column in COLUMNS and column not in shown:
            index[position] = column
            shown[column] = name.strip()
        elif name.strip():
            unknown.append(name.strip())
    return index, shown, unknown
