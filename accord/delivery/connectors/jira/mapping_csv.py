"""Jira Cloud's CSV export → Issue records. Pure: text in, records out.

The export repeats a column once per value (`Sprint`, `Labels`), names custom fields
`Custom field (Story Points)`, carries no status ids and no history, and writes dates in the
exporting user's format and zone (`25/Feb/26 10:17 PM`), so the caller says which zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from accord.delivery.connectors.jira.mapping import (
    Issue,
    JiraUser,
    MappingError,
    SprintInfo,
    _story_points,
)
from accord.delivery.models import Category

CSV_DATE_EXAMPLE = "25/Feb/26 10:17 PM"
_DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)
# The "Status Category" column holds the category's display name (or its key).
_CATEGORY_NAMES = {
    "to do": Category.TODO,
    "new": Category.TODO,
    "in progress": Category.IN_PROGRESS,
    "indeterminate": Category.IN_PROGRESS,
    "done": Category.DONE,
    "complete": Category.DONE,
}
_KEY_SHAPE = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
REQUIRED = ("Issue key", "Issue id", "Summary", "Status", "Created")
STORY_POINT_COLUMNS = (
    "Custom field (Story Points)",
    "Custom field (Story point estimate)",
)


def looks_like_csv_export(text: str) -> bool:
    """Whether the first line is a Jira export header (it has `Issue key` and `Summary`)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return "Issue key" in first and "Summary" in first


def parse_csv_datetime(value: str, *, zone: dt.tzinfo, what: str) -> dt.datetime:
    """A CSV export date in the exporting user's zone, as an aware UTC datetime."""
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            naive = dt.datetime.strptime(text, fmt)  # naive: the zone is given below
        except ValueError:
            continue
        return naive.replace(tzinfo=zone).astimezone(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise MappingError(
            f"{what} “{text[:40]}” is not a date (expected {CSV_DATE_EXAMPLE})"
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(dt.UTC)


class _Row:
    """One CSV row with its repeated columns kept as lists."""

    def __init__(self, header: Sequence[str], values: Sequence[str], line: int) -> None:
        self.line = line
        self.cells: dict[str, list[str]] = {}
        for name, value in zip(header, values, strict=False):
            self.cells.setdefault(name.strip(), []).append(value.replace("\x00", ""))

    def one(self, name: str) -> str:
        """The first non-empty value of a column ("" if none)."""
        values = [v.strip() for v in self.cells.get(name, []) if v.strip()]
        return values[0] if values else ""

    def many(self, name: str) -> list[str]:
        """Every non-empty value of a repeated column."""
        return [v.strip() for v in self.cells.get(name, []) if v.strip()]


def map_csv(text: str, *, zone: dt.tzinfo | str = "UTC", base_url: str = "") -> list[Issue]:
    """Every issue of a Jira CSV export; MappingError names the line and column."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise MappingError("the CSV file is empty (expected a Jira export header)") from None
    except csv.Error as exc:
        raise MappingError(f"line 1: {exc}") from None
    names = {h.strip() for h in header}
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise MappingError(
            f"line 1: the header has no {', '.join(repr(c) for c in missing)} column "
            "(expected Jira's CSV export)"
        )
    rows: list[_Row] = []
    try:
        for values in reader:
            if any(v.strip() for v in values):
                rows.append(_Row(header, values, reader.line_num))
    except csv.Error as exc:
        raise MappingError(f"line {reader.line_num}: {exc}") from None
    keys_by_id = {row.one("Issue id"): row.one("Issue key") for row in rows}
    return [_map_row(row, tz=tz, base_url=base_url, keys_by_id=keys_by_id) for row in rows]


def _map_row(row: _Row, *, tz: dt.tzinfo, base_url: str, keys_by_id: dict[str, str]) -> Issue:
    where = f"line {row.line}"
    key, issue_id = row.one("Issue key"), row.one("Issue id")
    if not key or not issue_id:
        raise MappingError(f"{where}: 'Issue key' and 'Issue id' must not be empty")

    def when(column: str) -> dt.datetime | None:
        """The column's date in the export's zone, or None when empty."""
        value = row.one(column)
        return parse_csv_datetime(value, zone=tz, what=f"{where}: '{column}'") if value else None

    created = when("Created")
    if created is None:
        raise MappingError(f"{where}: 'Created' is empty (expected {CSV_DATE_EXAMPLE})")
    parent = row.one("Parent key") or row.one("Parent") or row.one("Parent id")
    if parent and not _KEY_SHAPE.match(parent):
        parent = keys_by_id.get(parent, "")
    points = next((row.one(c) for c in STORY_POINT_COLUMNS if row.one(c)), "")
    assignee_id = row.one("Assignee Id") or row.one("Assignee")
    return Issue(
        external_id=issue_id,
        key=key,
        title=row.one("Summary"),
        item_type=row.one("Issue Type"),
        status=row.one("Status"),
        status_id="",  # the export names statuses but carries no ids
        embedded_category=_CATEGORY_NAMES.get(row.one("Status Category").lower(), ""),
        created_at=created,
        updated_at=when("Updated"),
        url=f"{base_url.rstrip('/')}/browse/{key}" if base_url else "",
        parent_key=parent,
        epic_key=row.one("Custom field (Epic Link)") or "",
        story_points=_story_points(points) if points else None,
        assignee=JiraUser(account_id=assignee_id, name=row.one("Assignee"))
        if assignee_id
        else None,
        labels=tuple(row.many("Labels")),
        priority=row.one("Priority"),
        # Sprints by name only; the importer matches them to known sprints.
        sprints=tuple(SprintInfo(external_id="", name=name) for name in row.many("Sprint")),
    )
