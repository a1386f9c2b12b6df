"""Per-item facts derived from status history, exactly as DESIGN.md defines them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from accord.delivery.actions.bulk import update_rows
from accord.delivery.actions.records import chunks, touch_event_times
from accord.delivery.models import Category, DataSource, StatusChange, WorkItem
from accord.delivery.models.sources import work_is_active


class Move(NamedTuple):
    """One status change as the facts need it (a named tuple: a large import builds a million)."""

    at: dt.datetime
    from_category: str
    to_category: str
    from_status: str = ""
    to_status: str = ""


@dataclass(frozen=True)
class Facts:
    started_at: dt.datetime | None
    done_at: dt.datetime | None

    def cycle_time(self) -> dt.timedelta | None:
        if self.started_at and self.done_at:
            return self.done_at - self.started_at
        return None


def compute_facts(
    *, created_at: dt.datetime, current_category: str, moves: Sequence[Move]
) -> Facts:
    """started_at: first time the category became in_progress; done_at: last time it became
    done, if done now. The first status is the `from` of the first move (else the current one),
    and the item had it from creation."""
    ordered = sorted(moves, key=lambda m: m.at)
    first_category = ordered[0].from_category if ordered else current_category
    started = created_at if first_category == Category.IN_PROGRESS else None
    done = created_at if first_category == Category.DONE else None
    for move in ordered:
        if move.to_category == move.from_category:
            continue  # a move between two statuses of one category is not a new entry
        if move.to_category == Category.IN_PROGRESS and started is None:
            started = move.at
        if move.to_category == Category.DONE:
            done = move.at
    if current_category != Category.DONE:
        done = None
    return Facts(started_at=started, done_at=done)


def active_seconds(
    *,
    created_at: dt.datetime,
    facts: Facts,
    status: str,
    category: str,
    moves: Sequence[Move],
    active_statuses: list[str] | None,
) -> float | None:
    """Seconds of [started, done) the item spent in statuses where work is active; None unless
    it has a cycle time. It had its first status (the `from` of its first move, else its current
    one) from creation, and each move's target until the next move."""
    if facts.started_at is None or facts.done_at is None:
        return None
    ordered = sorted(moves, key=lambda m: m.at)
    segments: list[tuple[dt.datetime, str, str]] = [
        (created_at, ordered[0].from_status, ordered[0].from_category)
        if ordered
        else (created_at, status, category)
    ]
    segments += [(m.at, m.to_status, m.to_category) for m in ordered]
    total = 0.0
    for index, (start, name, kind) in enumerate(segments):
        end = segments[index + 1][0] if index + 1 < len(segments) else facts.done_at
        lo, hi = max(start, facts.started_at), min(end, facts.done_at)
        if hi > lo and work_is_active(name, kind, active_statuses):
            total += (hi - lo).total_seconds()
    return total


FACT_FIELDS = ["started_at", "done_at", "cycle_time", "lead_time", "active_seconds"]


def item_facts(
    *,
    created_at: dt.datetime,
    category: str,
    status: str,
    moves: Sequence[Move],
    active_statuses: list[str] | None,
) -> tuple[
    dt.datetime | None, dt.datetime | None, dt.timedelta | None, dt.timedelta | None, float | None
]:
    """An item's facts in the order of FACT_FIELDS, from its whole history."""
    facts = compute_facts(created_at=created_at, current_category=category, moves=moves)
    lead = facts.done_at - created_at if facts.done_at else None
    active = active_seconds(
        created_at=created_at,
        facts=facts,
        status=status,
        category=category,
        moves=moves,
        active_statuses=active_statuses,
    )
    return (facts.started_at, facts.done_at, facts.cycle_time(), lead, active)


def derive_work_item_facts(item_ids: Iterable[int]) -> int:
    """Recompute started/done, cycle, lead and active time for these items from their history,
    in bulk. Returns how many items changed."""
    changed = 0
    for batch in chunks(item_ids):
        moves: dict[int, list[Move]] = defaultdict(list)
        for pk, at, from_category, to_category, from_status, to_status in (
            StatusChange.objects.filter(work_item_id__in=batch).values_list(
                "work_item_id", "changed_at", "from_category", "to_category", "from_status",
                "to_status",
            )
        ):  # fmt: skip
            moves[pk].append(Move(at, from_category or "", to_category, from_status, to_status))
        items = list(
            WorkItem.objects.filter(pk__in=batch).values_list(
                "id", "created_at", "status_category", "status", "data_source_id",
                *FACT_FIELDS,
            )
        )  # fmt: skip
        marked = dict(
            DataSource.objects.filter(pk__in={row[4] for row in items}).values_list(
                "id", "active_statuses"
            )
        )
        dirty = []
        for pk, created_at, category, status, source_id, *stored in items:
            new = item_facts(
                created_at=created_at,
                category=category,
                status=status,
                moves=moves.get(pk, []),
                active_statuses=marked.get(source_id),
            )
            if new != tuple(stored):
                touch_event_times(*stored[:2], *new[:2], model=WorkItem)
                dirty.append((pk, *new))
        update_rows(WorkItem, FACT_FIELDS, dirty)
        changed += len(dirty)
    return changed
