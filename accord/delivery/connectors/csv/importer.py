"""Import Accord's generic work-item CSV (docs/csv-import.md).

Every row is read and checked before anything is written, so one bad row stops the import with
one sentence naming the row and the column, and nothing lands (run_import's transaction). The
CSV has no status history, so `started` and `done` become status changes at those times: the
per-item facts then follow DESIGN.md's definitions like every other source's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accord.delivery.actions import (
    Account,
    ImportFailed,
    ImportSummary,
    resolve_accounts,
    upsert_records,
)
from accord.delivery.connectors.csv.mapping import (
    COLUMNS,
    REQUIRED,
    Row,
    RowError,
    columns_of,
    read_row,
    zone_named,
)
from accord.delivery.connectors.trello.mapping import default_category, resolve_category
from accord.delivery.models import Category, DataSource, StatusChange, WorkItem
from accord.delivery.statuses import resolve_statuses

ITEM_FIELDS = [
    "key",
    "title",
    "item_type",
    "status",
    "status_id",
    "status_category",
    "created_at",
    "updated_at",
    "parent_key",
    "story_points",
    "assignee_id",
    "labels",
    "url",
]
CHANGE_FIELDS = [
    "work_item_id",
    "from_status",
    "to_status",
    "to_status_id",
    "from_category",
    "to_category",
    "changed_at",
]
STARTED, DONE = "started", "done"
IN_PROGRESS_NAME, DONE_NAME = "In progress", "Done"


def read_rows(path: Path, zone_name: str | None) -> tuple[list[Row], list[str]]:
    """Every row of the file, checked; and the header cells that are not Accord columns."""
    try:
        zone = zone_named(zone_name)
    except ValueError as exc:
        raise ImportFailed(str(exc)) from None
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file; give a CSV file.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{path.name} is not UTF-8 text (byte {exc.start + 1} cannot be read); "
            "save it as “CSV UTF-8” and import it again."
        ) from None
    if not text.strip():
        raise ImportFailed(f"{path.name} is empty (expected a header row: {', '.join(COLUMNS)}).")
    first_line = text.splitlines()[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
        index, shown, unknown = columns_of(header)
        missing = [column for column in REQUIRED if column not in shown]
        if missing:
            raise ImportFailed(
                f"{path.name} has no {', '.join(repr(c) for c in missing)} column "
                f"(expected a header row with {', '.join(REQUIRED)}; optional: "
                f"{', '.join(c for c in COLUMNS if c not in REQUIRED)})."
            )
        rows: list[Row] = []
        seen: dict[str, int] = {}
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise ImportFailed(
                    f"{path.name}, row {number}: {len(cells)} cells but the header has "
                    f"{len(header)} columns (a comma inside a value needs quotes)."
                )
            values = {index[i]: cell for i, cell in enumerate(cells) if i in index}
            try:
                row = read_row(number, values, shown, zone)
            except RowError as exc:
                raise ImportFailed(f"{path.name}: {exc}") from None
            if row.key in seen:
                raise ImportFailed(
                    f"{path.name}: Row {number}: key '{row.key}' is also on row {seen[row.key]}."
                )
            seen[row.key] = number
            rows.append(row)
    except csv.Error as exc:
        raise ImportFailed(
            f"{path.name}, row {reader.line_num}: the CSV cannot be read ({exc})."
        ) from None
    return rows, unknown


def import_file(
    *,
    data_source: DataSource,
    path: Path | str,
    summary: ImportSummary,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Import a work-item CSV; naive times are in options["zone"], else the source's zone."""
    zone = (options or {}).get("zone") or (data_source.scope or {}).get("zone")
    rows, unknown = read_rows(Path(path), zone)
    if unknown:
        summary.notes.append(f"Columns Accord does not read were ignored: {', '.join(unknown)}.")
    apply_rows(data_source=data_source, rows=rows, summary=summary)


def _people(rows: list[Row]) -> dict[str, int]:
    accounts = {
        _account_id(row): Account(
            external_id=_account_id(row), name=row.assignee, email=row.assignee_email
        )
        for row in rows
        if row.assignee or row.assignee_email
    }
    return resolve_accounts("csv", accounts.values())


def _account_id(row: Row) -> str:
    return (row.assignee_email or row.assignee).casefold()[:200]


def apply_rows(*, data_source: DataSource, rows: list[Row], summary: ImportSummary) -> None:
    """Write the rows as work items with their started/done changes, then resolve statuses."""
    status_mapping = data_source.status_mapping or {}
    people = _people(rows)
    items = []
    for row in rows:
        category, _ = resolve_category(row.status, status_mapping)
        items.append(
            {
                "external_id": row.key,
                "key": row.key,
                "title": row.title,
                "item_type": row.item_type,
                "status": row.status,
                "status_id": row.status[:100],
                "status_category": category,
                "created_at": row.created,
                "updated_at": row.updated,
                "parent_key": row.parent,
                "story_points": row.story_points,
                "assignee_id": people.get(_account_id(row))
                if (row.assignee or row.assignee_email)
                else None,
                "labels": row.labels,
                "url": row.url,
            }
        )
    counts, ids = upsert_records(WorkItem, data_source=data_source, rows=items, fields=ITEM_FIELDS)
    summary.add("work_items", counts)
    changes, stale = [], []
    for row in rows:
        item_id = ids[row.key]
        category, _ = resolve_category(row.status, status_mapping)
        if row.started:
            changes.append(
                {
                    "external_id": f"{row.key}:{STARTED}",
                    "work_item_id": item_id,
                    "from_status": "",
                    "to_status": IN_PROGRESS_NAME,
                    "to_status_id": "",
                    "from_category": Category.TODO,
                    "to_category": Category.IN_PROGRESS,
                    "changed_at": row.started,
                }
            )
        else:
            stale.append(f"{row.key}:{STARTED}")
        if row.done:
            changes.append(
                {
                    "external_id": f"{row.key}:{DONE}",
                    "work_item_id": item_id,
                    "from_status": IN_PROGRESS_NAME if row.started else "",
                    "to_status": row.status if category == Category.DONE else DONE_NAME,
                    # Tied to the row's status when that is done, so remapping it follows.
                    "to_status_id": row.status[:100] if category == Category.DONE else "",
                    "from_category": Category.IN_PROGRESS if row.started else Category.TODO,
                    "to_category": Category.DONE,
                    "changed_at": row.done,
                }
            )
        else:
            stale.append(f"{row.key}:{DONE}")
    # A date cleared in the file since the last import takes its status change with it.
    StatusChange.objects.filter(data_source=data_source, external_id__in=stale).delete()
    counts, _ = upsert_records(
        StatusChange, data_source=data_source, rows=changes, fields=CHANGE_FIELDS
    )
    summary.add("status_changes", counts)
    resolution = resolve_statuses(
        data_source=data_source, guess=default_category, derive_for=ids.values()
    )
    if resolution.note():
        summary.notes.append(resolution.note())
