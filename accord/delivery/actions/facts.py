"""Per-item facts derived from status history, exactly as DESIGN.md defines them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accord.delivery.actions.bulk import update_rows
from accord.delivery.actions.records import chunks, touch_event_times
from accord.delivery.models import Category, StatusChange, WorkItem


@dataclass(frozen=True)
class Move:
    at: dt.datetime
    from_category: str
    to_category: str


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


def derive_work_item_facts(item_ids: Iterable[int]) -> int:
    """Recompute started/done, cycle and lead time for these items from their history, in bulk.

    Returns how many items changed."""
    changed = 0
    for batch in chunks(item_ids):
        moves: dict[int, list[Move]] = defaultdict(list)
        for row in StatusChange.objects.filter(work_item_id__in=batch).values_list(
            "work_item_id", "changed_at", "from_category", "to_category"
        ):
            moves[row[0]].append(Move(at=row[1], from_category=row[2] or "", to_category=row[3]))
        items = WorkItem.objects.filter(pk__in=batch).values_list(
            "id", "created_at", "status_category", "started_at", "done_at", "cycle_time",
            "lead_time",
        )  # fmt: skip
        dirty = []
        for pk, created_at, category, *stored in items:
            facts = compute_facts(
                created_at=created_at, current_category=category, moves=moves.get(pk, [])
            )
            lead = facts.done_at - created_at if facts.done_at else None
            new = (facts.started_at, facts.done_at, facts.cycle_time(), lead)
            if new != tuple(stored):
                touch_event_times(*stored[:2], *new[:2])
                dirty.append((pk, *new))
        update_rows(WorkItem, ["started_at", "done_at", "cycle_time", "lead_time"], dirty)
        changed += len(dirty)
    return changed
