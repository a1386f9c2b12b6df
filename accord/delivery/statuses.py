"""Status categories: every source status, current or historical, resolved by id in one order.

1. the data source's explicit mapping (by status name) — what the manager said wins;
2. an imported status list (Jira's GET /rest/api/2/status);
3. the category embedded in the items currently in that status (Jira's statusCategory), taken
   from the most recently updated one where they disagree — Jira's own payloads do disagree;
4. a connector's guess from the name (Trello list names);
5. otherwise `todo`, listed as unmapped so a manager can map it.

One status id has one category everywhere: work items, both ends of every status change, and the
facts derived from them. Whenever an input changes (an import, a new status list, an edited
mapping) `resolve_statuses` recomputes every status of the source from what is stored, fixes
stored categories that disagree in bulk, and re-derives the facts of the items affected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F, Max

from accord.audit.actions import record_event
from accord.audit.models import AuditAction
from accord.delivery.actions import derive_work_item_facts
from accord.delivery.models import Category, DataSource, SourceStatus, StatusChange, WorkItem

Resolution = SourceStatus.Resolution
CATEGORIES = frozenset(Category.values)


@dataclass(frozen=True)
class ListedStatus:
    """A status from a status list: id, name and the category the list gives it."""

    external_id: str
    name: str
    category: str


@dataclass
class StatusResolution:
    """What a resolution pass changed."""

    statuses_changed: int = 0
    recategorized_items: set[int] = field(default_factory=set)
    facts_changed: int = 0
    unmapped: list[str] = field(default_factory=list)

    def note(self) -> str:
        """One sentence about unmapped statuses, or "" when every status is resolved."""
        if not self.unmapped:
            return ""
        return (
            f"{len(self.unmapped)} status(es) have no category and count as to do until mapped: "
            + ", ".join(self.unmapped[:20])
            + ("…" if len(self.unmapped) > 20 else "")
        )


def mapped_category(mapping: Mapping[str, Any], name: str) -> str | None:
    """The category an explicit mapping gives a status name (exact, then case-insensitive)."""
    if not name:
        return None
    value = mapping.get(name)
    if value is None:
        folded = name.strip().casefold()
        value = next((v for k, v in mapping.items() if str(k).strip().casefold() == folded), None)
    return value if value in CATEGORIES else None


def resolve_category(
    *,
    mapped: str | None,
    listed: str | None,
    embedded: str | None,
    guessed: str | None = None,
) -> tuple[str, str]:
    """(category, resolution) from the candidates, in the one order every status follows."""
    for value, resolution in (
        (mapped, Resolution.MAPPING),
        (listed, Resolution.STATUS_LIST),
        (embedded, Resolution.EMBEDDED),
        (guessed, Resolution.LIST_NAME),
    ):
        if value in CATEGORIES:
            return str(value), str(resolution)
    return str(Category.TODO), str(Resolution.UNRESOLVED)


def current_categories(data_source: DataSource) -> dict[str, str]:
    """Status id → category as last resolved; a status not yet known counts as todo."""
    return dict(
        SourceStatus.objects.filter(data_source=data_source).values_list("external_id", "category")
    )


def record_status_list(
    *, data_source: DataSource, statuses: Iterable[ListedStatus]
) -> tuple[int, int]:
    """Store what a status list says (name and category per id); (created, changed) rows.

    Call resolve_statuses afterwards to apply it."""
    stored = {s.external_id: s for s in SourceStatus.objects.filter(data_source=data_source)}
    new, changed = [], []
    for status in statuses:
        listed = status.category if status.category in CATEGORIES else ""
        row = stored.get(status.external_id)
        if row is None:
            new.append(
                SourceStatus(
                    data_source=data_source,
                    external_id=status.external_id,
                    name=status.name[:200],
                    listed_category=listed,
                )
            )
        elif (row.name, row.listed_category) != (status.name[:200], listed):
            row.name, row.listed_category = status.name[:200], listed
            changed.append(row)
    SourceStatus.objects.bulk_create(new, batch_size=1000)
    SourceStatus.objects.bulk_update(changed, ["name", "listed_category"], batch_size=1000)
    return len(new), len(changed)


def _latest_items(data_source: DataSource, status_ids: Iterable[str]) -> dict[str, tuple]:
    """Per status id: (name, embedded category, updated_at) of the latest-updated item in it."""
    latest: dict[str, tuple] = {}
    for status_id in status_ids:
        row = (
            WorkItem.objects.filter(data_source=data_source, status_id=status_id)
            .order_by(F("updated_at").desc(nulls_last=True), "-embedded_category", "-id")
            .values_list("status", "embedded_category", "updated_at")
            .first()
        )
        if row is not None:
            latest[status_id] = row
    return latest


def _historical_names(data_source: DataSource) -> dict[str, str]:
    """Per status id seen in status changes: the name it had at its latest mention."""
    best: dict[str, tuple[Any, str]] = {}
    changes = StatusChange.objects.filter(data_source=data_source).order_by()
    for id_field, name_field in (("to_status_id", "to_status"), ("from_status_id", "from_status")):
        rows = (
            changes.exclude(**{id_field: ""})
            .values_list(id_field, name_field)
            .annotate(last=Max("changed_at"))
        )
        for status_id, name, last in rows:
            if status_id not in best or (last, name) > best[status_id]:
                best[status_id] = (last, name)
    return {status_id: name for status_id, (_, name) in best.items()}


def resolve_statuses(
    *,
    data_source: DataSource,
    guess: Callable[[str], str | None] | None = None,
    derive_for: Iterable[int] = (),
    row_categories: Mapping[str, set[str]] | None = None,
) -> StatusResolution:
    """Resolve every status of the source, fix stored categories, re-derive affected facts.

    `guess` is a connector's name-based fallback (Trello lists); `derive_for` adds items whose
    history the caller just wrote, so their facts are derived in the same pass.
    `row_categories`, when the caller knows it: per status id, every category a stored row of
    that status may have (those it had at the last pass and those written since; a status
    absent has no rows). Then only statuses resolved to another category have their rows
    looked at, not the whole history of the source."""
    result = StatusResolution()
    stored = {s.external_id: s for s in SourceStatus.objects.filter(data_source=data_source)}
    item_status_ids = set(
        WorkItem.objects.filter(data_source=data_source)
        .exclude(status_id="")
        .order_by()
        .values_list("status_id", flat=True)
        .distinct()
    )
    latest = _latest_items(data_source, item_status_ids)
    historical = _historical_names(data_source)
    mapping = data_source.status_mapping or {}
    new, changed = [], []
    for status_id in sorted(set(stored) | item_status_ids | set(historical)):
        row = stored.get(status_id)
        listed = row.listed_category if row is not None else ""
        item = latest.get(status_id)
        if listed and row is not None:
            name = row.name
        elif item is not None and item[0]:
            name = item[0]
        else:
            name = historical.get(status_id) or (row.name if row is not None else status_id)
        embedded = item[1] if item is not None else ""
        category, resolution = resolve_category(
            mapped=mapped_category(mapping, name),
            listed=listed,
            embedded=embedded,
            guessed=guess(name) if guess is not None else None,
        )
        values = {
            "name": name[:200],
            "category": category,
            "resolution": resolution,
            "embedded_category": embedded,
            "embedded_seen_at": item[2] if item is not None else None,
        }
        if resolution == Resolution.UNRESOLVED:
            result.unmapped.append(f"{name} ({status_id})" if name != status_id else name)
        if row is None:
            new.append(SourceStatus(data_source=data_source, external_id=status_id, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    with transaction.atomic():
        SourceStatus.objects.bulk_create(new, batch_size=1000)
        SourceStatus.objects.bulk_update(changed, list(values_fields()), batch_size=1000)
        result.statuses_changed = len(new) + len(changed)
        by_category: dict[str, list[str]] = {}
        for status_id, category in SourceStatus.objects.filter(data_source=data_source).values_list(
            "external_id", "category"
        ):
            if row_categories is not None and row_categories.get(status_id, set()) <= {category}:
                continue  # every row of it has its category already
            by_category.setdefault(category, []).append(status_id)
        result.recategorized_items = _recategorize(data_source, by_category)
        result.facts_changed = derive_work_item_facts(
            sorted(result.recategorized_items | set(derive_for))
        )
    return result


def values_fields() -> tuple[str, ...]:
    """The SourceStatus columns a resolution pass writes."""
    return ("name", "category", "resolution", "embedded_category", "embedded_seen_at")


def _recategorize(data_source: DataSource, by_category: Mapping[str, list[str]]) -> set[int]:
    """Set every stored category to its status's resolved one; the ids of items affected."""
    affected: set[int] = set()
    items = WorkItem.objects.filter(data_source=data_source)
    changes = StatusChange.objects.filter(data_source=data_source)
    for category, status_ids in by_category.items():
        stale = items.filter(status_id__in=status_ids).exclude(status_category=category)
        ids = set(stale.values_list("id", flat=True))
        if ids:
            items.filter(id__in=ids).update(status_category=category)
            affected |= ids
        for id_field, category_field in (
            ("to_status_id", "to_category"),
            ("from_status_id", "from_category"),
        ):
            stale_changes = changes.filter(**{f"{id_field}__in": status_ids}).exclude(
                **{category_field: category}
            )
            ids = set(stale_changes.values_list("work_item_id", flat=True))
            if ids:
                stale_changes.update(**{category_field: category})
                affected |= ids
    return affected


def update_status_mapping(
    *, actor: Any, data_source: DataSource, mapping: Mapping[str, str]
) -> StatusResolution:
    """Save a data source's status mapping and recategorize everything it changes, in bulk."""
    bad = {name: value for name, value in mapping.items() if value not in CATEGORIES}
    if bad:
        name, value = next(iter(bad.items()))
        raise ValueError(
            f"“{value}” is not a category for status “{name}”; use one of "
            + ", ".join(sorted(CATEGORIES))
            + "."
        )
    with transaction.atomic():
        before = dict(data_source.status_mapping or {})
        data_source.status_mapping = dict(mapping)
        data_source.save(update_fields=["status_mapping"])
        if before != data_source.status_mapping:
            record_event(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=data_source,
                changes={"status_mapping": [before, data_source.status_mapping]},
                engagement=data_source.engagement,
            )
        return resolve_statuses(data_source=data_source)
