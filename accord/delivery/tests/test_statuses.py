"""Status resolution: one order for every status id, stored categories kept in step with it."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.audit.models import AuditEvent
from accord.delivery.models import DataSource, SourceStatus, StatusChange, WorkItem
from accord.delivery.statuses import (
    ListedStatus,
    mapped_category,
    record_status_list,
    resolve_category,
    resolve_statuses,
    update_status_mapping,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.mark.parametrize(
    "mapped,listed,embedded,guessed,expected",
    [
        ("cancelled", "done", "todo", "in_progress", ("cancelled", "mapping")),
        (None, "done", "todo", "in_progress", ("done", "status_list")),
        (None, "", "in_progress", "done", ("in_progress", "embedded")),
        (None, "", "", "done", ("done", "list_name")),
        (None, "", "", None, ("todo", "unresolved")),
        ("finished", "bogus", "", None, ("todo", "unresolved")),
    ],
)
def test_the_first_source_that_knows_a_category_decides(
    mapped, listed, embedded, guessed, expected
):
    assert resolve_category(mapped=mapped, listed=listed, embedded=embedded, guessed=guessed) == (
        expected
    )


def test_a_mapping_matches_names_exactly_then_without_case():
    mapping = {"In Review": "in_progress", "won't do": "cancelled", "Odd": "finished"}
    assert mapped_category(mapping, "In Review") == "in_progress"
    assert mapped_category(mapping, "WON'T DO ") == "cancelled"
    assert mapped_category(mapping, "Odd") is None  # not a category: ignored
    assert mapped_category(mapping, "Done") is None


@pytest.fixture
def source(vistula_engagement):
    return DataSource.objects.create(engagement=vistula_engagement, kind="jira", name="Jira")


def _item(source, key, status_id, status, embedded, updated, category="todo"):
    return WorkItem.objects.create(
        data_source=source,
        external_id=key,
        key=key,
        title=key,
        status=status,
        status_id=status_id,
        status_category=category,
        embedded_category=embedded,
        created_at=T0,
        updated_at=updated,
    )


def _change(source, item, ext, at, from_id, from_name, to_id, to_name):
    return StatusChange.objects.create(
        data_source=source,
        external_id=ext,
        work_item=item,
        from_status=from_name,
        from_status_id=from_id,
        to_status=to_name,
        to_status_id=to_id,
        from_category="todo",
        to_category="todo",
        changed_at=at,
    )


@pytest.mark.django_db
def test_disagreeing_embedded_categories_resolve_to_the_most_recently_updated_item(source):
    # given two items in 已完成 whose payloads disagree (as Jira's board 8 does)
    _item(source, "EE-1", "10068", "已完成", "todo", h(100))
    _item(source, "EE-20", "10068", "已完成", "done", h(200))
    # when the statuses are resolved
    result = resolve_statuses(data_source=source)
    # then the newer one decides, for both items
    status = SourceStatus.objects.get(data_source=source, external_id="10068")
    assert (status.category, status.resolution) == ("done", "embedded")
    assert status.embedded_seen_at == h(200)
    assert set(WorkItem.objects.values_list("status_category", flat=True)) == {"done"}
    assert len(result.recategorized_items) == 2 and result.unmapped == []


@pytest.mark.django_db
def test_historical_statuses_are_resolved_by_id_and_unknown_ones_listed_as_unmapped(source):
    # given an item that went Open → In Development (renamed later) → 已完成
    item = _item(source, "EE-1", "10068", "已完成", "done", h(300))
    _change(source, item, "1", h(1), "1", "Open", "3", "In Development")
    _change(source, item, "2", h(5), "3", "In Progress", "10068", "已完成")
    record_status_list(
        data_source=source, statuses=[ListedStatus("3", "In Progress", "in_progress")]
    )
    # when resolved
    result = resolve_statuses(data_source=source)
    # then status 3 has one category under both its names, and Open is unmapped
    assert result.unmapped == ["Open (1)"]
    rows = list(
        StatusChange.objects.order_by("changed_at").values_list("from_category", "to_category")
    )
    assert rows == [("todo", "in_progress"), ("in_progress", "done")]
    item.refresh_from_db()
    assert (item.started_at, item.done_at) == (h(1), h(5))
    assert SourceStatus.objects.get(external_id="3").name == "In Progress"
    assert "Open (1)" in result.note()


@pytest.mark.django_db
def test_a_mapping_wins_and_changing_it_recategorizes_history_and_facts(source, mark):
    # given an item whose history went through "Code Review", listed as to do
    item = _item(source, "EE-2", "10068", "已完成", "done", h(300))
    _change(source, item, "1", h(1), "1", "Open", "10075", "Code Review")
    _change(source, item, "2", h(6), "10075", "Code Review", "10068", "已完成")
    record_status_list(data_source=source, statuses=[ListedStatus("10075", "Code Review", "todo")])
    resolve_statuses(data_source=source)
    item.refresh_from_db()
    assert item.started_at is None and item.done_at == h(6)
    # when a manager maps Code Review to in progress
    result = update_status_mapping(
        actor=mark, data_source=source, mapping={"Code Review": "in_progress"}
    )
    # then the history, the facts and the audit log follow
    item.refresh_from_db()
    assert item.started_at == h(1) and item.cycle_time == dt.timedelta(hours=5)
    assert result.facts_changed == 1
    status = SourceStatus.objects.get(external_id="10075")
    assert (status.category, status.resolution) == ("in_progress", "mapping")
    assert AuditEvent.objects.filter(object_id=str(source.pk), actor=mark).exists()
    # and resolving again changes nothing
    again = resolve_statuses(data_source=source)
    assert (again.statuses_changed, again.recategorized_items, again.facts_changed) == (0, set(), 0)


@pytest.mark.django_db
def test_a_mapping_to_something_that_is_not_a_category_is_refused(source, mark):
    with pytest.raises(ValueError, match="“finished” is not a category for status “Done”"):
        update_status_mapping(actor=mark, data_source=source, mapping={"Done": "finished"})
    source.refresh_from_db()
    assert source.status_mapping == {}


@pytest.mark.django_db
def test_a_status_an_item_left_keeps_its_listed_category_but_loses_its_embedded_one(source):
    item = _item(source, "EE-3", "10033", "To Do", "todo", h(1))
    resolve_statuses(data_source=source)
    WorkItem.objects.filter(pk=item.pk).update(
        status_id="10068", status="已完成", embedded_category="done"
    )
    resolve_statuses(data_source=source)
    status = SourceStatus.objects.get(external_id="10033")
    assert (status.category, status.resolution, status.embedded_category) == (
        "todo",
        "unresolved",
        "",
    )
    item.refresh_from_db()
    assert item.status_category == "done"


@pytest.mark.django_db
def test_a_name_based_guess_comes_after_embedded_categories(source):
    _item(source, "c1", "list-1", "Done", "", h(1))
    _item(source, "c2", "list-2", "Doing", "", h(1))
    resolve_statuses(data_source=source, guess=lambda name: {"done": "done"}.get(name.lower()))
    assert dict(SourceStatus.objects.values_list("name", "resolution")) == {
        "Done": "list_name",
        "Doing": "unresolved",
    }
