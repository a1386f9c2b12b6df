"""Writes mapped Jira records: the one path shared by file import, sync and webhooks.

Everything is keyed on Jira's ids and merged, never replaced: status changes are the union of
every changelog seen (an embedded changelog may be truncated, a paged one complete), sprint
adds and removals likewise, and an issue older than the stored copy never overwrites it. So
importing the same data again, or overlapping pieces of it in any order, ends in one state.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.delivery.actions import Account, ImportSummary, resolve_accounts, upsert_records
from accord.delivery.actions.bulk import analyze, update_rows
from accord.delivery.actions.facts import FACT_FIELDS, Move, item_facts
from accord.delivery.actions.records import Counts, chunks, write_records
from accord.delivery.connectors.jira.mapping import History, Issue, SprintInfo, StatusInfo
from accord.delivery.connectors.jira.sprints import (
    refresh_membership_flags,
    write_memberships,
    write_sprints,
)
from accord.delivery.models import (
    Category,
    DataSource,
    Incident,
    SourceStatus,
    SprintMembership,
    StatusChange,
    WorkItem,
)
from accord.delivery.statuses import (
    ListedStatus,
    current_categories,
    mapped_category,
    record_status_list,
    resolve_statuses,
)

WORK_ITEM_FIELDS = [
    "key",
    "title",
    "item_type",
    "status",
    "status_id",
    "status_category",
    "embedded_category",
    "created_at",
    "updated_at",
    "parent_key",
    "epic_key",
    "story_points",
    "assignee_id",
    "labels",
    "url",
    "is_incident",
]
STATUS_CHANGE_FIELDS = [
    "work_item_id",
    "from_status",
    "from_status_id",
    "to_status",
    "to_status_id",
    "from_category",
    "to_category",
    "changed_at",
    "author_id",
]
INCIDENT_FIELDS = ["title", "severity", "started_at", "resolved_at", "url"]
# Rows created from which an import refreshes the database's statistics of what it wrote.
LARGE_IMPORT = 10_000


@dataclass
class Batch:
    """Everything one import, sync page or webhook brings, before it is written."""

    issues: dict[str, Issue] = field(default_factory=dict)
    # Complete changelogs by issue id (from changelog pages), preferred to embedded ones.
    histories: dict[str, History] = field(default_factory=dict)
    sprints: dict[str, SprintInfo] = field(default_factory=dict)
    statuses: dict[str, StatusInfo] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def add_issue(self, issue: Issue) -> None:
        """Keep the newest copy of an issue seen more than once."""
        known = self.issues.get(issue.external_id)
        if known is None or newer_or_same(issue.updated_at, known.updated_at):
            self.issues[issue.external_id] = issue


def newer_or_same(new: dt.datetime | None, old: dt.datetime | None) -> bool:
    return old is None or (new is not None and new >= old)


@dataclass
class Written:
    """What the parts of one import written so far touched, for settle_import to finish."""

    items: set[int] = field(default_factory=set)
    # Items whose facts settle_import derives from the stored history: those stored before
    # whose row or history changed (items created by the import got theirs as they were written).
    derive: set[int] = field(default_factory=set)
    moved_sprints: set[int] = field(default_factory=set)
    # Per status id, the categories its rows had before the import and were written with, so
    # resolve_statuses looks only at the rows of statuses that resolve to another one.
    used: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    # Sprint ids written by this import: the first copy seen wins, as in one batch.
    sprints: set[str] = field(default_factory=set)
    severities: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] | None = None


def write_batch(*, data_source: DataSource, batch: Batch, summary: ImportSummary) -> list[int]:
    """Write a batch in dependency order and re-derive what it touched; the items' ids."""
    written = Written()
    write_part(data_source=data_source, batch=batch, summary=summary, written=written)
    return settle_import(data_source=data_source, written=written, summary=summary)


def write_part(
    *, data_source: DataSource, batch: Batch, summary: ImportSummary, written: Written
) -> None:
    """Write the records of one part of an import (a batch, or some pages of a large export);
    settle_import then resolves statuses and derives facts once for all parts."""
    if written.categories is None:  # the first part: the categories stored rows have
        for status_id, category in current_categories(data_source).items():
            written.used[status_id].add(category)
    if batch.statuses:
        listed, changed = record_status_list(
            data_source=data_source,
            statuses=[
                ListedStatus(s.external_id, s.name, s.category) for s in batch.statuses.values()
            ],
        )
        unchanged = len(batch.statuses) - listed - changed
        summary.add("statuses", Counts(created=listed, updated=changed, unchanged=unchanged))
    sprints = {k: v for k, v in batch.sprints.items() if k not in written.sprints}
    for issue in batch.issues.values():
        for sprint in issue.sprints:
            if sprint.external_id and sprint.external_id not in written.sprints:
                sprints.setdefault(sprint.external_id, sprint)
    written.sprints |= set(sprints)
    written.moved_sprints |= write_sprints(data_source, sprints.values(), summary)
    categories = _expected_categories(data_source, batch, written.categories)
    written.categories = categories
    items, fresh, created = _write_issues(
        data_source, batch.issues.values(), summary, categories, written
    )
    histories = _histories_to_apply(data_source, batch, items, summary)
    _write_status_changes(data_source, histories, items, created, summary, categories, written)
    write_memberships(data_source, batch.issues, histories, items, fresh)
    if batch.deleted:
        _delete_issues(data_source, batch.deleted, summary)
    written.items |= set(items.values())
    written.severities.update({i.external_id: i.priority for i in batch.issues.values()})


def settle_import(
    *, data_source: DataSource, written: Written, summary: ImportSummary
) -> list[int]:
    """After every part is written: membership flags of sprints whose dates moved, status
    resolution with the items' facts, incidents; the items' ids."""
    # Memberships written got their flags then; those of sprints whose dates moved now.
    refresh_membership_flags(written.moved_sprints)
    item_ids = sorted(written.items)
    resolution = resolve_statuses(
        data_source=data_source, derive_for=sorted(written.derive), row_categories=written.used
    )
    if resolution.unmapped:
        summary.notes.append(resolution.note())
    # Items recategorized here may have a new done time, which is their incident's resolution.
    affected = sorted(set(item_ids) | resolution.recategorized_items)
    _write_incidents(data_source, affected, written.severities, summary)
    created = sum(
        summary.counts[k].created for k in ("work_items", "status_changes") if k in summary.counts
    )
    if created >= LARGE_IMPORT:
        analyze(WorkItem, StatusChange, SprintMembership)
    return item_ids


def _status_ids_by_name(data_source: DataSource) -> dict[str, str]:
    """Status names that belong to exactly one known status id (CSV exports carry no ids)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for external_id, name in SourceStatus.objects.filter(data_source=data_source).values_list(
        "external_id", "name"
    ):
        if not external_id.startswith("name:"):
            seen[name].add(external_id)
    return {name: ids.pop() for name, ids in seen.items() if len(ids) == 1}


def _incident_types(data_source: DataSource) -> set[str]:
    rule = data_source.incident_rule or {}
    return {str(t).strip().casefold() for t in rule.get("issue_types", []) if str(t).strip()}


def _expected_categories(
    data_source: DataSource, batch: Batch, known: dict[str, str] | None
) -> dict[str, str]:
    """Status id → the category resolve_statuses will most likely settle on after this batch
    (mapping, else the batch's status list, else its embedded category, else as stored), so rows
    are written with it and the resolution pass that decides has little left to correct.
    `known` is what an earlier part of the same import expected."""
    categories = dict(known) if known is not None else current_categories(data_source)
    mapping = data_source.status_mapping or {}
    for status in batch.statuses.values():
        category = mapped_category(mapping, status.name) or (
            status.category if status.category in Category.values else None
        )
        if category:
            categories[status.external_id] = category
    for issue in batch.issues.values():
        if issue.status_id and issue.status_id not in categories:
            category = mapped_category(mapping, issue.status) or (
                issue.embedded_category if issue.embedded_category in Category.values else None
            )
            if category:
                categories[issue.status_id] = category
    return categories


def _write_issues(
    data_source: DataSource,
    issues: Iterable[Issue],
    summary: ImportSummary,
    categories: Mapping[str, str],
    written: Written,
) -> tuple[dict[str, int], set[str], dict[int, tuple[Any, ...]]]:
    """Upsert work items (never over a newer stored copy): issue id → item id, the ids whose
    copy was written (not older than the stored one) and the items created (pk → values)."""
    issues = list(issues)
    if not issues:
        return {}, set(), {}
    stored: dict[str, tuple[int, dt.datetime | None]] = {}
    for batch in chunks([i.external_id for i in issues]):
        for ext, pk, updated in WorkItem.objects.filter(
            data_source=data_source, external_id__in=batch
        ).values_list("external_id", "id", "updated_at"):
            stored[ext] = (pk, updated)
    fresh, ids = [], {}
    for issue in issues:
        old = stored.get(issue.external_id)
        if old is not None and not newer_or_same(issue.updated_at, old[1]):
            summary.skip("work_items", issue.key, "the stored copy was updated more recently")
            ids[issue.external_id] = old[0]
            continue
        fresh.append(issue)
    people = resolve_accounts(
        "jira",
        [
            Account(external_id=i.assignee.account_id, name=i.assignee.name, email=i.assignee.email)
            for i in fresh
            if i.assignee is not None
        ],
    )
    by_name = _status_ids_by_name(data_source) if any(not i.status_id for i in fresh) else {}
    incident_types = _incident_types(data_source)
    new_rows: dict[str, tuple[Any, ...]] = {}
    old_rows: dict[str, tuple[Any, ...]] = {}
    for issue in fresh:
        row = issue.work_item_fields()
        if not row["status_id"]:
            row["status_id"] = by_name.get(issue.status) or f"name:{issue.status}"[:100]
        row["status_category"] = categories.get(row["status_id"], "todo")
        written.used[row["status_id"]].add(row["status_category"])
        row["embedded_category"] = issue.embedded_category
        row["assignee_id"] = people.get(issue.assignee.account_id) if issue.assignee else None
        row["is_incident"] = issue.item_type.strip().casefold() in incident_types
        target = old_rows if issue.external_id in stored else new_rows
        # The last copy of one id wins, as a re-delivery would.
        target.pop(issue.external_id, None)
        target[issue.external_id] = tuple(row[f] for f in WORK_ITEM_FIELDS)
    counts = Counts()
    # Items stored before: compared, and their facts derived again if anything changed.
    result = write_records(
        WorkItem, data_source=data_source, values=old_rows, fields=WORK_ITEM_FIELDS
    )
    counts += result.counts
    ids.update(result.ids)
    written.derive |= {result.ids[key] for key in result.changed}
    # Items new to the source: nothing stored to compare with.
    result = write_records(
        WorkItem, data_source=data_source, values=new_rows, fields=WORK_ITEM_FIELDS, new=True
    )
    counts += result.counts
    ids.update(result.ids)
    summary.add("work_items", counts)
    return ids, {i.external_id for i in fresh}, {ids[k]: new_rows[k] for k in new_rows}


def _histories_to_apply(
    data_source: DataSource, batch: Batch, items: dict[str, int], summary: ImportSummary
) -> dict[str, History]:
    """Per issue id: its complete changelog if given, else what its payload embedded."""
    histories: dict[str, History] = {}
    for issue in batch.issues.values():
        if issue.external_id in batch.histories:
            histories[issue.external_id] = batch.histories[issue.external_id]
        elif issue.changelog_total is not None:
            histories[issue.external_id] = issue.history
            if issue.changelog_truncated:
                summary.notes.append(
                    f"{issue.key}: Jira holds {issue.changelog_total} changelog entries and "
                    f"{issue.changelog_count} were given; its history is counted from those."
                )
    orphans = {k: v for k, v in batch.histories.items() if k not in batch.issues}
    if orphans:
        known = dict(
            WorkItem.objects.filter(
                data_source=data_source, external_id__in=list(orphans)
            ).values_list("external_id", "id")
        )
        for issue_id, history in orphans.items():
            if issue_id in known:
                histories[issue_id] = history
                items.setdefault(issue_id, known[issue_id])
            else:
                summary.skip(
                    "status_changes",
                    f"changelog of issue {issue_id}",
                    "its issue is not imported; import the issue, then its changelog",
                )
    return histories


def _write_status_changes(
    data_source: DataSource,
    histories: Mapping[str, History],
    items: Mapping[str, int],
    created: Mapping[int, tuple[Any, ...]],
    summary: ImportSummary,
    categories: Mapping[str, str],
    written: Written,
) -> None:
    """Upsert the status changes of the histories; the items created by this import get their
    facts from them here, the others are left to settle_import if their history changed."""
    moves = [(items[i], m) for i, h in histories.items() if i in items for m in h.status_moves]
    if not moves:
        _created_facts(data_source, (), created, written)
        return
    people = resolve_accounts(
        "jira",
        [
            Account(external_id=m.author.account_id, name=m.author.name, email=m.author.email)
            for _, m in moves
            if m.author is not None
        ],
    )
    values: dict[str, tuple[Any, ...]] = {}
    for item_id, move in moves:  # the last of two changes with one id wins
        values[move.external_id] = (
            item_id,
            move.from_name[:200],
            move.from_id[:100],
            move.to_name[:200],
            move.to_id[:100],
            categories.get(move.from_id, "todo") if move.from_id else "",
            categories.get(move.to_id, "todo"),
            move.at,
            people.get(move.author.account_id) if move.author else None,
        )
    for status_id in {m.from_id for _, m in moves} | {m.to_id for _, m in moves}:
        if status_id:
            written.used[status_id].add(categories.get(status_id, "todo"))
    new_items = set(created)
    new_values = {k: v for k, v in values.items() if v[0] in new_items}
    old_values = {k: v for k, v in values.items() if v[0] not in new_items}
    counts = Counts()
    for group, new in ((old_values, False), (new_values, True)):
        result = write_records(
            StatusChange,
            data_source=data_source,
            values=group,
            fields=STATUS_CHANGE_FIELDS,
            ids=False,
            new=new,
        )
        counts += result.counts
        # An item stored before whose history changed, and any item a change was taken from.
        if not new:
            written.derive |= {group[key][0] for key in result.changed}
        written.derive |= {old[0] for old in result.previous}
    summary.add("status_changes", counts)
    _created_facts(data_source, new_values.values(), created, written)


_ITEM_FACT_INPUTS = [WORK_ITEM_FIELDS.index(f) for f in ("created_at", "status_category", "status")]


def _created_facts(
    data_source: DataSource,
    changes: Iterable[tuple[Any, ...]],
    created: Mapping[int, tuple[Any, ...]],
    written: Written,
) -> None:
    """Facts of items this import created, from the rows and status changes just written for
    them (all they have), so settle_import need not read a million changes back."""
    moves: dict[int, list[Move]] = defaultdict(list)
    for item_id, from_name, _, to_name, _, from_category, to_category, at, _ in changes:
        moves[item_id].append(Move(at, from_category, to_category, from_name, to_name))
    dirty = []
    at, category, status = _ITEM_FACT_INPUTS
    for pk, row in created.items():
        if pk in written.derive:
            continue  # a change of it was also stored for another item: read back at the end
        facts = item_facts(
            created_at=row[at],
            category=row[category],
            status=row[status],
            moves=moves.get(pk, ()),
            active_statuses=data_source.active_statuses,
        )
        if any(value is not None for value in facts):
            dirty.append((pk, *facts))
    update_rows(WorkItem, FACT_FIELDS, dirty)


def _delete_issues(data_source: DataSource, issue_ids: set[str], summary: ImportSummary) -> None:
    deleted, _ = WorkItem.objects.filter(
        data_source=data_source, external_id__in=list(issue_ids)
    ).delete()
    Incident.objects.filter(data_source=data_source, external_id__in=list(issue_ids)).delete()
    summary.notes.append(f"{len(issue_ids)} issue(s) deleted in Jira removed ({deleted} rows).")


def _write_incidents(
    data_source: DataSource,
    item_ids: list[int],
    severities: Mapping[str, str],
    summary: ImportSummary,
) -> None:
    """Incident rows for items the incident rule marks (severity: the issue's priority); rows
    of items it no longer marks go."""
    if not item_ids:
        return
    stored_severity = dict(
        Incident.objects.filter(data_source=data_source).values_list("external_id", "severity")
    )
    marked, not_incidents = [], []
    for batch in chunks(item_ids):
        for pk, external_id, is_incident in WorkItem.objects.filter(pk__in=batch).values_list(
            "id", "external_id", "is_incident"
        ):
            if is_incident:
                marked.append(pk)
            elif external_id in stored_severity:
                not_incidents.append(external_id)
    rows = []
    for batch in chunks(marked):
        for external_id, key, title, created_at, done_at, url in WorkItem.objects.filter(
            pk__in=batch
        ).values_list("external_id", "key", "title", "created_at", "done_at", "url"):
            rows.append(
                {
                    "external_id": external_id,
                    "title": f"{key} {title}"[:500],
                    "severity": severities.get(external_id, stored_severity.get(external_id, ""))[
                        :50
                    ],
                    "started_at": created_at,
                    "resolved_at": done_at,
                    "url": url,
                }
            )
    if not_incidents:
        Incident.objects.filter(data_source=data_source, external_id__in=not_incidents).delete()
    if rows:
        counts, _ = upsert_records(
            Incident, data_source=data_source, rows=rows, fields=INCIDENT_FIELDS
        )
        summary.add("incidents", counts)
