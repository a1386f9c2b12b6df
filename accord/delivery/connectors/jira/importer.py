"""Jira file import: a file, or a folder of pages, recognised by content, written in one go.

Accepted: search and Agile board responses (`{"issues": [...]}`, with or without
`expand=changelog`), a JSON list of issues, one issue, sprint lists (`{"values": [...]}`), the
status list (GET /rest/api/2/status), changelog pages saved as `changelogs/issue-<id>.json`
next to the issues (several pages of one issue may be `issue-<id>-2.json` …), and Jira Cloud's
CSV export (dates in option `zone`, else the data source's scope `zone`, else UTC).

A large export is written as it is read, PART_SIZE issues at a time (status and sprint lists and
changelog pages first), so memory stays flat; statuses are resolved and facts derived once at
the end, and everything is still one transaction.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.bulk import large_write
from accord.delivery.connectors.jira.mapping import (
    FieldHints,
    History,
    Issue,
    MappingError,
    map_issue,
    parse_histories,
)
from accord.delivery.connectors.jira.mapping_csv import looks_like_csv_export, map_csv
from accord.delivery.connectors.jira.pages import (
    ChangelogPage,
    changelog_page,
    detect_shape,
    issue_page,
    map_sprints,
    map_statuses,
)
from accord.delivery.connectors.jira.store import (
    Batch,
    Written,
    newer_or_same,
    settle_import,
    write_part,
)
from accord.delivery.models import DataSource, WorkItem

_UNSEEN = object()
_CHANGELOG_NAME = re.compile(
    r"^issue-(?P<issue>\d+|[A-Za-z][A-Za-z0-9_]*-\d+)(?:[-_.]p?\d+)?\.json$"
)
PART_SIZE = 10_000
EXPECTED = (
    "expected an issue search or board response ({“issues”: [...]}), a list of issues, "
    "a sprint list ({“values”: [...]}), a status list, a changelog page or Jira's CSV export"
)


def import_file(
    *,
    data_source: DataSource,
    path: Path,
    summary: ImportSummary,
    options: dict[str, Any],
) -> None:
    """Import a Jira file or a folder of them into the data source; ImportFailed names the file."""
    scope = data_source.scope or {}
    reader = _Reader(
        data_source=data_source,
        hints=FieldHints(
            story_points=str(
                options.get("story_points_field") or scope.get("story_points_field") or ""
            )
        ),
        zone=_zone(options.get("zone") or scope.get("zone") or "UTC"),
        base_url=str(scope.get("base_url") or ""),
        summary=summary,
    )
    files = _files(Path(path), summary)
    if not files:
        raise ImportFailed(f"{path} holds no .json or .csv file to import.")
    with large_write(), _no_cycle_collection():
        # Lists and changelog pages first, so each part of the issues is written complete.
        for file in sorted(files, key=_holds_issues):
            reader.read(file, label=_label(Path(path), file))
        reader.write(final=True)
        settle_import(data_source=data_source, written=reader.written, summary=summary)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while an export is read and written: it would walk the
    part being written (hundreds of thousands of objects) again and again, a tenth of the
    import's CPU, while a whole import leaves only a few dozen objects in cycles (measured at
    10 000 issues); they are collected when it is switched back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _holds_issues(file: Path) -> bool:
    """Whether a file looks like issues (CSV, a search page): only the reading order uses it."""
    if file.suffix.lower() == ".csv":
        return True
    with file.open("rb") as f:
        return b'"issues"' in f.read(4096)


def _json(data: bytes, label: str) -> Any:
    """What orjson refused, read by the standard library, which also takes UTF-16 and NaN
    and says where a file is broken: the payload, or ImportFailed in one sentence."""
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{label} is not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON."
        ) from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{label} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "is the file truncated?"
        ) from None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportFailed(
            f"“{name}” is not a time zone; give an IANA name such as Europe/Berlin."
        ) from None


def _files(path: Path, summary: ImportSummary) -> list[Path]:
    if path.is_file():
        return [path]
    found = []
    for file in sorted(path.rglob("*")):
        if not file.is_file() or any(p.startswith(".") for p in file.relative_to(path).parts):
            continue
        if file.suffix.lower() in (".json", ".csv"):
            found.append(file)
        else:
            summary.notes.append(f"{file.relative_to(path)} skipped: not a .json or .csv file.")
    return found


def _label(root: Path, file: Path) -> str:
    return str(file.relative_to(root)) if root.is_dir() else file.name


class _Reader:
    """Reads files into one Batch, remembering changelog pages until all files are read."""

    def __init__(
        self,
        *,
        data_source: DataSource,
        hints: FieldHints,
        zone: ZoneInfo,
        base_url: str,
        summary: ImportSummary,
    ) -> None:
        self.data_source = data_source
        self.hints = hints
        self.zone = zone
        self.base_url = base_url
        self.summary = summary
        self.batch = Batch()
        self.written = Written()
        # Issues written by an earlier part, with their updated time: an older copy seen later
        # is dropped, as one batch would have dropped it.
        self.seen: dict[str, Any] = {}
        self.pages: dict[str, list[tuple[str, ChangelogPage]]] = defaultdict(list)

    def add_issue(self, issue: Issue) -> None:
        """Keep the newest copy of an issue; write a part when it is full."""
        old = self.seen.get(issue.external_id, _UNSEEN)
        if old is not _UNSEEN and not newer_or_same(issue.updated_at, old):
            return
        self.batch.add_issue(issue)
        if len(self.batch.issues) >= PART_SIZE:
            self.write(final=False)

    def write(self, *, final: bool) -> None:
        """Write what is read so far, with the complete changelogs of its issues."""
        self.batch.histories = self.assemble_changelogs(self.summary, final=final)
        write_part(
            data_source=self.data_source,
            batch=self.batch,
            summary=self.summary,
            written=self.written,
        )
        self.seen.update({k: i.updated_at for k, i in self.batch.issues.items()})
        self.batch = Batch()

    def read(self, file: Path, *, label: str) -> None:
        """Recognise one file by its content and add what it holds to the batch."""
        data = file.read_bytes()
        if file.suffix.lower() == ".csv" or looks_like_csv_export(data[:4096].decode("latin-1")):
            self._read_csv(data, label)
            return
        try:
            payload = orjson.loads(data)  # several times faster on a large export
        except orjson.JSONDecodeError:
            payload = _json(data, label)
        shape = detect_shape(payload)
        try:
            if shape in ("issues", "issue"):
                raw, names = issue_page([payload] if shape == "issue" else payload)
                hints = (
                    FieldHints.from_names(names, self.hints.story_points) if names else self.hints
                )
                for n, record in enumerate(raw, start=1):
                    try:
                        self.add_issue(map_issue(record, hints=hints))
                    except MappingError as exc:
                        raise ImportFailed(f"{label}, record {n}: {exc}.") from None
            elif shape == "changelog":
                match = _CHANGELOG_NAME.match(file.name)
                if match is None:
                    raise ImportFailed(
                        f"{label} is a changelog page but its name does not say whose "
                        "(expected changelogs/issue-<id>.json)."
                    )
                self.pages[match.group("issue")].append((label, changelog_page(payload)))
            elif shape == "sprints":
                for sprint in map_sprints(payload):
                    self.batch.sprints[sprint.external_id] = sprint
            elif shape == "statuses":
                for status in map_statuses(payload):
                    self.batch.statuses[status.external_id] = status
            else:
                raise ImportFailed(f"{label} is not a Jira export: {EXPECTED}.")
        except MappingError as exc:
            raise ImportFailed(f"{label}: {exc}.") from None

    def _read_csv(self, data: bytes, label: str) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed(
                f"{label} is not UTF-8 text (line {line}); export it again as UTF-8 CSV."
            ) from None
        try:
            issues = map_csv(text, zone=self.zone, base_url=self.base_url)
        except MappingError as exc:
            raise ImportFailed(f"{label}, {exc}.") from None
        for issue in issues:
            self.add_issue(issue)

    def assemble_changelogs(self, summary: ImportSummary, *, final: bool) -> dict[str, History]:
        """Join changelog pages into complete histories, by issue id: those of the batch's
        issues, and with `final` every page left (of issues stored before)."""
        by_key = {i.key: i.external_id for i in self.batch.issues.values()}
        if not final:
            wanted = set(self.batch.issues) | set(by_key)
            taken = {ref: self.pages.pop(ref) for ref in list(self.pages) if ref in wanted}
            return self._histories(taken, by_key, summary)
        keys = [k for k in self.pages if not k.isdigit() and k not in by_key]
        if keys:
            by_key.update(
                WorkItem.objects.filter(data_source=self.data_source, key__in=keys).values_list(
                    "key", "external_id"
                )
            )
        taken, self.pages = self.pages, defaultdict(list)
        return self._histories(taken, by_key, summary)

    def _histories(
        self,
        taken: dict[str, list[tuple[str, ChangelogPage]]],
        by_key: dict[str, str],
        summary: ImportSummary,
    ) -> dict[str, History]:
        histories: dict[str, History] = {}
        for ref, pages in taken.items():
            issue_id = ref if ref.isdigit() else by_key.get(ref, ref)
            seen: dict[str, Any] = {}
            total = 0
            label = pages[0][0]
            for _, page in sorted(pages, key=lambda p: p[1].start_at):
                total = max(total, page.total)
                for history in page.histories:
                    seen.setdefault(
                        str(history.get("id") if isinstance(history, dict) else ""), history
                    )
            issue = self.batch.issues.get(issue_id)
            what = f"{label}, issue {issue.key if issue else issue_id}"
            try:
                histories[issue_id] = parse_histories(seen.values(), what=what)
            except MappingError as exc:
                raise ImportFailed(f"{exc}.") from None
            if len(seen) < total:
                summary.notes.append(
                    f"Issue {issue.key if issue else issue_id}: the changelog pages hold "
                    f"{len(seen)} of {total} entries; its history is counted from those."
                )
        return histories
