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
from accord.delivery.actions.bulk import insert_rows, update_rows
from accord.delivery.actions.records import Counts, chunks
from accord.delivery.connectors.jira.mapping import (
    History,
    Issue,
    SprintInfo,
    SprintMove,
    StatusInfo,
)
from accord.delivery.models import (
    Category,
    DataSource,
    Incident,
    SourceStatus,
    Sprint,
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
SPRINT_FIELDS = ["name", "state", "start_at", "end_at", "complete_at", "goal"]
INCIDENT_FIELDS = ["title", "severity", "started_at", "resolved_at", "url"]


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
    moved_sprints: set[int] = field(default_factory=set)
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
    if batch.statuses:
        created, changed = record_status_list(
            data_source=data_source,
            statuses=[
                ListedStatus(s.external_id, s.name, s.category) for s in batch.statuses.values()
            ],
        )
        unchanged = len(batch.statuses) - created - changed
        summary.add("statuses", Counts(created=created, updated=changed, unchanged=unchanged))
    sprints = {k: v for k, v in batch.sprints.items() if k not in written.sprints}
    for issue in batch.issues.values():
        for sprint in issue.sprints:
            if sprint.external_id and sprint.external_id not in written.sprints:
                sprints.setdefault(sprint.external_id, sprint)
    written.sprints |= set(sprints)
    written.moved_sprints |= _write_sprints(data_source, sprints.values(), summary)
    categories = _expected_categories(data_source, batch, written.categories)
    written.categories = categories
    items, fresh = _write_issues(data_source, batch.issues.values(), summary, categories)
    histories = _histories_to_apply(data_source, batch, items, summary)
    _write_status_changes(data_source, histories, items, summary, categories)
    _write_memberships(data_source, batch, histories, items, fresh)
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
    _refresh_membership_flags(written.moved_sprints)
    item_ids = sorted(written.items)
    resolution = resolve_statuses(data_source=data_source, derive_for=item_ids)
    if resolution.unmapped:
        summary.notes.append(resolution.note())
    # Items recategorized here may have a new done time, which is their incident's resolution.
    affected = sorted(set(item_ids) | resolution.recategorized_items)
    _write_incidents(data_source, affected, written.severities, summary)
    return item_ids


def _write_sprints(
    data_source: DataSource, sprints: Iterable[SprintInfo], summary: ImportSummary
) -> set[int]:
    """Upsert sprints; the ids of stored sprints whose start or completion moved."""
    rows = [s.fields() for s in sprints if s.external_id]
    if not rows:
        return set()
    before = {
        ext: (pk, start, complete)
        for ext, pk, start, complete in Sprint.objects.filter(
            data_source=data_source, external_id__in=[r["external_id"] for r in rows]
        ).values_list("external_id", "id", "start_at", "complete_at")
    }
    counts, _ = upsert_records(Sprint, data_source=data_source, rows=rows, fields=SPRINT_FIELDS)
    summary.add("sprints", counts)
    return {
        before[r["external_id"]][0]
        for r in rows
        if r["external_id"] in before
        and before[r["external_id"]][1:] != (r["start_at"], r["complete_at"])
    }


def _named_sprints(data_source: DataSource, names: set[str]) -> dict[str, int]:
    """Sprints named in a CSV export: known ones by name, others created under "name:<name>"."""
    if not names:
        return {}
    found = dict(
        Sprint.objects.filter(data_source=data_source, name__in=names)
        .order_by("name", "id")
        .values_list("name", "id")
    )
    missing = [
        {"external_id": f"name:{n}", "name": n[:200], "state": "", "goal": ""}
        for n in sorted(names - set(found))
    ]
    if missing:
        _, ids = upsert_records(
            Sprint, data_source=data_source, rows=missing, fields=["name", "state", "goal"]
        )
        found.update({key.removeprefix("name:"): pk for key, pk in ids.items()})
    return found


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
) -> tuple[dict[str, int], set[str]]:
    """Upsert work items (never over a newer stored copy): issue id → item id, and the ids
    whose copy was written (not older than the stored one)."""
    issues = list(issues)
    if not issues:
        return {}, set()
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
    rows = []
    for issue in fresh:
        row = issue.work_item_fields()
        if not row["status_id"]:
            row["status_id"] = by_name.get(issue.status) or f"name:{issue.status}"[:100]
        row["status_category"] = categories.get(row["status_id"], "todo")
        row["embedded_category"] = issue.embedded_category
        row["assignee_id"] = people.get(issue.assignee.account_id) if issue.assignee else None
        row["is_incident"] = issue.item_type.strip().casefold() in incident_types
        rows.append(row)
    counts, written = upsert_records(
        WorkItem, data_source=data_source, rows=rows, fields=WORK_ITEM_FIELDS
    )
    summary.add("work_items", counts)
    ids.update(written)
    return ids, {i.external_id for i in fresh}


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
    summary: ImportSummary,
    categories: Mapping[str, str],
) -> None:
    moves = [(items[i], m) for i, h in histories.items() if i in items for m in h.status_moves]
    if not moves:
        return
    people = resolve_accounts(
        "jira",
        [
            Account(external_id=m.author.account_id, name=m.author.name, email=m.author.email)
            for _, m in moves
            if m.author is not None
        ],
    )
    rows = [
        {
            "external_id": move.external_id,
            "work_item_id": item_id,
            "from_status": move.from_name[:200],
            "from_status_id": move.from_id[:100],
            "to_status": move.to_name[:200],
            "to_status_id": move.to_id[:100],
            "from_category": categories.get(move.from_id, "todo") if move.from_id else "",
            "to_category": categories.get(move.to_id, "todo"),
            "changed_at": move.at,
            "author_id": people.get(move.author.account_id) if move.author else None,
        }
        for item_id, move in moves
    ]
    counts, _ = upsert_records(
        StatusChange, data_source=data_source, rows=rows, fields=STATUS_CHANGE_FIELDS
    )
    summary.add("status_changes", counts)


def _event_list(moves: Iterable[SprintMove]) -> list[list[Any]]:
    return [[m.at.isoformat(), m.added] for m in moves]


def _merge_events(old: list[list[Any]], new: list[list[Any]]) -> list[list[Any]]:
    merged = {(str(at), bool(added)) for at, added in [*old, *new]}
    return [[at, added] for at, added in sorted(merged, key=lambda e: (e[0], not e[1]))]


def _write_memberships(
    data_source: DataSource,
    batch: Batch,
    histories: Mapping[str, History],
    items: Mapping[str, int],
    fresh: set[str],
) -> None:
    """Merge each touched item's sprint adds/removals into its memberships, with their flags."""
    sprint_ids = dict(
        Sprint.objects.filter(data_source=data_source).values_list("external_id", "id")
    )
    csv_names = {s.name for i in batch.issues.values() for s in i.sprints if not s.external_id}
    named = _named_sprints(data_source, csv_names)
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    now_in: dict[int, set[int]] = {}
    for issue_id, item_id in items.items():
        # Only a copy at least as new as the stored one says which sprints the item is in now.
        issue = batch.issues.get(issue_id) if issue_id in fresh else None
        moves: dict[str, list[SprintMove]] = defaultdict(list)
        for move in histories[issue_id].sprint_moves if issue_id in histories else ():
            moves[move.sprint_id].append(move)
        current: set[int] = set()
        if issue is not None:
            for sprint in issue.sprints:
                pk = sprint_ids.get(sprint.external_id) or named.get(sprint.name)
                if pk:
                    current.add(pk)
            now_in[item_id] = current
        for sprint_key, sprint_moves in moves.items():
            pk = sprint_ids.get(sprint_key)
            if pk is None:
                pk = _placeholder_sprint(data_source, sprint_key)
                sprint_ids[sprint_key] = pk
            wanted.setdefault((pk, item_id), {"events": []})["events"] = _event_list(sprint_moves)
        for pk in current:
            wanted.setdefault((pk, item_id), {"events": []})
    if not wanted and not now_in:
        return
    stored: dict[tuple[int, int], SprintMembership] = {}
    for ids in chunks(sorted(set(now_in) | {k[1] for k in wanted})):
        for m in SprintMembership.objects.filter(work_item_id__in=ids):
            stored[(m.sprint_id, m.work_item_id)] = m
    new, changed = [], []
    for (sprint_pk, item_id), value in wanted.items():
        old = stored.get((sprint_pk, item_id))
        events = _merge_events(old.events if old else [], value["events"])
        in_now = sprint_pk in now_in[item_id] if item_id in now_in else None
        if old is None:
            new.append(
                SprintMembership(
                    sprint_id=sprint_pk,
                    work_item_id=item_id,
                    events=events,
                    removed_at=None if in_now in (None, True) else _last_removal(events),
                )
            )
            continue
        removed = old.removed_at if in_now is None else (None if in_now else _last_removal(events))
        if old.events != events or old.removed_at != removed:
            old.events, old.removed_at = events, removed
            changed.append(old)
    # Items that left a sprint without a recorded removal: left by the time they were updated.
    for (sprint_pk, item_id), old in stored.items():
        if (
            item_id in now_in
            and (sprint_pk, item_id) not in wanted
            and sprint_pk not in now_in[item_id]
            and old.removed_at is None
        ):
            old.removed_at = _last_removal(old.events) or _item_updated(item_id)
            changed.append(old)
    dates = {
        pk: (start, complete)
        for pk, start, complete in Sprint.objects.filter(data_source=data_source).values_list(
            "id", "start_at", "complete_at"
        )
    }
    created: dict[int, dt.datetime] = {}
    for ids in chunks(sorted({m.work_item_id for m in [*new, *changed]})):
        created.update(WorkItem.objects.filter(pk__in=ids).values_list("id", "created_at"))
    for m in [*new, *changed]:
        m.added_at, m.in_at_start, m.in_at_close = _flags(
            m, created=created[m.work_item_id], dates=dates[m.sprint_id]
        )
    columns = ["events", "removed_at", "added_at", "in_at_start", "in_at_close"]
    insert_rows(
        SprintMembership,
        [
            {"sprint_id": m.sprint_id, "work_item_id": m.work_item_id}
            | {c: getattr(m, c) for c in columns}
            for m in new
        ],
    )
    update_rows(
        SprintMembership, columns, [(m.pk, *(getattr(m, c) for c in columns)) for m in changed]
    )


def _item_updated(item_id: int) -> dt.datetime | None:
    return WorkItem.objects.filter(pk=item_id).values_list("updated_at", flat=True).first()


def _last_removal(events: list[list[Any]]) -> dt.datetime | None:
    removals = [at for at, added in events if not added]
    return dt.datetime.fromisoformat(max(removals)) if removals else None


def _placeholder_sprint(data_source: DataSource, sprint_key: str) -> int:
    """A sprint known only from a changelog; the sprint list or an issue fills it in later."""
    sprint, _ = Sprint.objects.get_or_create(
        data_source=data_source, external_id=sprint_key, defaults={"name": f"Sprint {sprint_key}"}
    )
    return sprint.pk


def membership_at(
    events: list[list[Any]], *, in_now: bool, created_at: dt.datetime, when: dt.datetime
) -> bool:
    """Whether an item was in a sprint at `when`, replaying its adds and removals.

    Before the first known event the item was in the sprint if that event removes it; with no
    events it was in from its creation if it is in now."""
    if when < created_at:
        return False
    state = (not bool(events[0][1])) if events else in_now
    for at, added in events:
        if dt.datetime.fromisoformat(at) > when:
            break
        state = bool(added)
    return state


def _flags(
    membership: SprintMembership,
    *,
    created: dt.datetime,
    dates: tuple[dt.datetime | None, dt.datetime | None],
) -> tuple[dt.datetime | None, bool, bool]:
    """(added_at, in at start, in at close) of a membership, from its events and the sprint."""
    events = membership.events
    in_now = membership.removed_at is None
    adds = [at for at, added in events if added]
    added_at = dt.datetime.fromisoformat(min(adds)) if adds else None
    if (not bool(events[0][1])) if events else in_now:
        added_at = created  # in the sprint before any recorded change: from its creation
    start, complete = dates
    at_start = start is not None and membership_at(
        events, in_now=in_now, created_at=created, when=start
    )
    at_close = complete is not None and membership_at(
        events, in_now=in_now, created_at=created, when=complete
    )
    return added_at, at_start, at_close


def _refresh_membership_flags(sprint_pks: Iterable[int]) -> None:
    """Recompute added/in-at-start/in-at-close for every membership of these sprints."""
    for batch in chunks(sorted(set(sprint_pks))):
        dates = {
            pk: (start, complete)
            for pk, start, complete in Sprint.objects.filter(pk__in=batch).values_list(
                "id", "start_at", "complete_at"
            )
        }
        memberships = SprintMembership.objects.filter(sprint_id__in=batch).select_related(
            "work_item"
        )
        dirty = []
        for m in memberships:
            flags = _flags(m, created=m.work_item.created_at, dates=dates[m.sprint_id])
            if (m.added_at, m.in_at_start, m.in_at_close) != flags:
                m.added_at, m.in_at_start, m.in_at_close = flags
                dirty.append(m)
        SprintMembership.objects.bulk_update(
            dirty, ["added_at", "in_at_start", "in_at_close"], batch_size=1000
        )


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
    rows, not_incidents = [], []
    for batch in chunks(item_ids):
        for item in WorkItem.objects.filter(pk__in=batch).only(
            "external_id", "key", "title", "is_incident", "created_at", "done_at", "url"
        ):
            if not item.is_incident:
                not_incidents.append(item.external_id)
                continue
            rows.append(
                {
                    "external_id": item.external_id,
                    "title": f"{item.key} {item.title}"[:500],
                    "severity": severities.get(
                        item.external_id, stored_severity.get(item.external_id, "")
                    )[:50],
                    "started_at": item.created_at,
                    "resolved_at": item.done_at,
                    "url": item.url,
                }
            )
    if not_incidents:
        Incident.objects.filter(data_source=data_source, external_id__in=not_incidents).delete()
    if rows:
        counts, _ = upsert_records(
            Incident, data_source=data_source, rows=rows, fields=INCIDENT_FIELDS
        )
        summary.add("incidents", counts)
