"""Sprints and sprint memberships of Jira records: the sprint list, placeholders for sprints
known only from a changelog, and each item's adds and removals with its start/close flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from accord.delivery.actions import ImportSummary, upsert_records
from accord.delivery.actions.bulk import insert_rows, update_rows
from accord.delivery.actions.records import chunks
from accord.delivery.connectors.jira.mapping import History, Issue, SprintInfo, SprintMove
from accord.delivery.models import DataSource, Sprint, SprintMembership, WorkItem

SPRINT_FIELDS = ["name", "state", "start_at", "end_at", "complete_at", "goal"]


def write_sprints(
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


def _event_list(moves: Iterable[SprintMove]) -> list[list[Any]]:
    return [[m.at.isoformat(), m.added] for m in moves]


def _merge_events(old: list[list[Any]], new: list[list[Any]]) -> list[list[Any]]:
    merged = {(str(at), bool(added)) for at, added in [*old, *new]}
    return [[at, added] for at, added in sorted(merged, key=lambda e: (e[0], not e[1]))]


def write_memberships(
    data_source: DataSource,
    issues: Mapping[str, Issue],
    histories: Mapping[str, History],
    items: Mapping[str, int],
    fresh: set[str],
) -> None:
    """Merge each touched item's sprint adds/removals into its memberships, with their flags."""
    sprint_ids = dict(
        Sprint.objects.filter(data_source=data_source).values_list("external_id", "id")
    )
    csv_names = {s.name for i in issues.values() for s in i.sprints if not s.external_id}
    named = _named_sprints(data_source, csv_names)
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    now_in: dict[int, set[int]] = {}
    for issue_id, item_id in items.items():
        # Only a copy at least as new as the stored one says which sprints the item is in now.
        issue = issues.get(issue_id) if issue_id in fresh else None
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
    new: list[_NewMembership] = []
    changed: list[SprintMembership] = []
    for (sprint_pk, item_id), value in wanted.items():
        old = stored.get((sprint_pk, item_id))
        events = _merge_events(old.events if old else [], value["events"])
        in_now = sprint_pk in now_in[item_id] if item_id in now_in else None
        if old is None:
            new.append(
                _NewMembership(
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
    # Creation times as just written, else as stored.
    created = {items[i]: issues[i].created_at for i in fresh if i in items and i in issues}
    touched: list[SprintMembership | _NewMembership] = [*new, *changed]
    missing = {m.work_item_id for m in touched} - set(created)
    for ids in chunks(sorted(missing)):
        created.update(WorkItem.objects.filter(pk__in=ids).values_list("id", "created_at"))
    for row in touched:
        row.added_at, row.in_at_start, row.in_at_close = _flags(
            row, created=created[row.work_item_id], dates=dates[row.sprint_id]
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


@dataclass
class _NewMembership:
    """A membership to insert (a model instance each costs more, at a hundred thousand)."""

    sprint_id: int
    work_item_id: int
    events: list[list[Any]]
    removed_at: dt.datetime | None
    added_at: dt.datetime | None = None
    in_at_start: bool = False
    in_at_close: bool = False


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
    membership: SprintMembership | _NewMembership,
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


def refresh_membership_flags(sprint_pks: Iterable[int]) -> None:
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
