"""The shared delivery writes: per-item facts, idempotent upserts, runs, people."""

from __future__ import annotations

import datetime as dt

import pytest

from accord.delivery.actions import (
    Account,
    ImportFailed,
    derive_work_item_facts,
    resolve_accounts,
    run_import,
    upsert_records,
)
from accord.delivery.actions.facts import Move, compute_facts
from accord.delivery.models import (
    Affiliation,
    AffiliationRule,
    DataSource,
    Person,
    StatusChange,
    SyncRun,
    WorkItem,
)

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def h(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_started_is_the_first_entry_to_in_progress_and_done_the_last_entry_to_done():
    # given an item reopened once: todo → in progress → done → in progress → done
    moves = [
        Move(h(1), "todo", "in_progress"),
        Move(h(5), "in_progress", "done"),
        Move(h(8), "done", "in_progress"),
        Move(h(10), "in_progress", "done"),
    ]
    # then started is the first start and done the last finish
    facts = compute_facts(created_at=T0, current_category="done", moves=moves)
    assert facts == compute_facts(created_at=T0, current_category="done", moves=moves[::-1])
    assert (facts.started_at, facts.done_at) == (h(1), h(10))
    assert facts.cycle_time() == dt.timedelta(hours=9)


def test_a_move_between_two_done_statuses_is_not_a_new_done():
    moves = [
        Move(h(1), "todo", "in_progress"),
        Move(h(4), "in_progress", "done"),
        Move(h(6), "done", "done"),
    ]
    assert compute_facts(created_at=T0, current_category="done", moves=moves).done_at == h(4)


def test_an_item_done_without_ever_being_in_progress_has_no_start_or_cycle_time():
    facts = compute_facts(
        created_at=T0, current_category="done", moves=[Move(h(3), "todo", "done")]
    )
    assert facts.started_at is None and facts.done_at == h(3) and facts.cycle_time() is None


def test_an_item_reopened_and_not_done_now_has_no_done_time():
    moves = [
        Move(h(1), "todo", "in_progress"),
        Move(h(2), "in_progress", "done"),
        Move(h(3), "done", "todo"),
    ]
    facts = compute_facts(created_at=T0, current_category="todo", moves=moves)
    assert facts.started_at == h(1) and facts.done_at is None


def test_an_item_created_in_progress_started_when_created():
    moves = [Move(h(2), "in_progress", "done")]
    facts = compute_facts(created_at=T0, current_category="done", moves=moves)
    assert (facts.started_at, facts.done_at) == (T0, h(2))


def test_a_cancelled_item_is_never_done():
    moves = [Move(h(1), "todo", "in_progress"), Move(h(2), "in_progress", "cancelled")]
    facts = compute_facts(created_at=T0, current_category="cancelled", moves=moves)
    assert facts.done_at is None and facts.started_at == h(1)


@pytest.fixture
def source(vistula_engagement):
    return DataSource.objects.create(engagement=vistula_engagement, kind="jira", name="Jira")


def _item(key: str, status: str = "Done", category: str = "done") -> dict:
    return {
        "external_id": key,
        "key": key,
        "title": f"Item {key}",
        "status": status,
        "status_category": category,
        "created_at": T0,
    }


FIELDS = ["key", "title", "status", "status_category", "created_at"]


@pytest.mark.django_db
def test_upserting_the_same_rows_twice_changes_nothing(source):
    # given two items imported once
    rows = [_item("A-1"), _item("A-2")]
    first, ids = upsert_records(WorkItem, data_source=source, rows=rows, fields=FIELDS)
    # when the same rows come again, and then one of them changes
    second, same_ids = upsert_records(WorkItem, data_source=source, rows=rows, fields=FIELDS)
    third, _ = upsert_records(
        WorkItem,
        data_source=source,
        rows=[_item("A-1", "In Progress", "in_progress")],
        fields=FIELDS,
    )
    # then nothing is duplicated and only the change is written
    assert (first.created, second.unchanged, third.updated) == (2, 2, 1)
    assert ids == same_ids and WorkItem.objects.count() == 2
    assert WorkItem.objects.get(key="A-1").status == "In Progress"


@pytest.mark.django_db
def test_derived_facts_follow_the_stored_history(source):
    _, ids = upsert_records(WorkItem, data_source=source, rows=[_item("A-1")], fields=FIELDS)
    item = WorkItem.objects.get(pk=ids["A-1"])
    for n, (when, old, new) in enumerate(
        [(h(2), "todo", "in_progress"), (h(30), "in_progress", "done")]
    ):
        StatusChange.objects.create(
            data_source=source,
            external_id=f"c{n}",
            work_item=item,
            from_status=old,
            to_status=new,
            from_category=old,
            to_category=new,
            changed_at=when,
        )
    assert derive_work_item_facts([item.pk]) == 1
    item.refresh_from_db()
    assert item.cycle_time == dt.timedelta(hours=28) and item.lead_time == dt.timedelta(hours=30)
    assert derive_work_item_facts([item.pk]) == 0


@pytest.mark.django_db
def test_a_failed_import_writes_nothing_but_leaves_a_visible_run(source):
    def work(summary):
        upsert_records(WorkItem, data_source=source, rows=[_item("A-1")], fields=FIELDS)
        raise ImportFailed("issues.json, issue 2: 'created' is not a date (expected ISO 8601).")

    run = run_import(data_source=source, trigger=SyncRun.Trigger.IMPORT, work=work)
    assert run.status == "failed" and "is not a date" in run.error
    assert not WorkItem.objects.exists()
    assert run.finished_at is not None


@pytest.mark.django_db
def test_accounts_with_one_email_are_one_person_affiliated_by_domain(source, vistula):
    AffiliationRule.objects.create(organization=vistula.organization, domain="vistula.example")
    jira = resolve_accounts("jira", [Account("acc-1", "Ola Nowak", "ola@vistula.example")])
    github = resolve_accounts(
        "github",
        [
            Account("olanowak", "Ola", "OLA@vistula.example"),
            Account("dependabot[bot]", is_bot=True),
        ],
    )
    assert jira["acc-1"] == github["olanowak"]
    assert Person.objects.count() == 2
    assert Affiliation.objects.get(person_id=jira["acc-1"]).organization == vistula.organization
    assert resolve_accounts("jira", [Account("acc-1")]) == jira
