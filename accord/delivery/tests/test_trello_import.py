"""Trello file import: a board export built from the real board, REST cards and lists,
idempotency over overlapping files, and malformed input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.delivery.actions import ImportSummary, run_import
from accord.delivery.connectors.trello import importer
from accord.delivery.models import (
    DataSource,
    SourceStatus,
    StatusChange,
    SyncRun,
    SyncRunStatus,
    WorkItem,
)
from accord.engagements.models import Engagement
from tests.samples import sample_data_dir

DATA = Path(__file__).resolve().parent / "data"
EXPORT = DATA / "trello-board-export.json"
REST = sample_data_dir() / "trello" / "board-cards-and-lists.json"
BOARD = "6402f6413ee115cc0084af56"
UTC = dt.UTC


def at(day: int, hour: int, minute: int, second: int = 0, ms: int = 0) -> dt.datetime:
    return dt.datetime(2023, 3, day, hour, minute, second, ms * 1000, tzinfo=UTC)


CREATED = at(4, 7, 41, 53)  # every card the template copied has this second in its id


@pytest.fixture
def source(vistula_engagement: Engagement) -> DataSource:
    return DataSource.objects.create(
        engagement=vistula_engagement, kind="trello", name="Kanban", scope={"board_id": BOARD}
    )


def import_path(source: DataSource, path: Path) -> SyncRun:
    return run_import(
        data_source=source,
        trigger=SyncRun.Trigger.IMPORT,
        work=lambda summary: importer.import_file(data_source=source, path=path, summary=summary),
    )


def item(key: str) -> WorkItem:
    return WorkItem.objects.select_related("assignee").get(key=key)


@pytest.mark.django_db
def test_the_export_imports_cards_moves_and_facts_as_worked_out_by_hand(
    source: DataSource,
) -> None:
    # when
    run = import_path(source, EXPORT)
    # then
    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    assert run.counts["work_items"] == {"created": 15, "updated": 0, "unchanged": 0, "skipped": 0}
    assert run.counts["status_changes"]["created"] == 21
    assert run.counts["status_changes"]["skipped"] == 1
    # reopened once: started at the first move to Doing, done at the last move to Done
    completed = item("i45lq2FJ")
    assert (completed.started_at, completed.done_at) == (at(4, 8, 0), at(4, 12, 47, 49, 521))
    assert completed.cycle_time == dt.timedelta(
        hours=4, minutes=47, seconds=49, microseconds=521000
    )
    # To Do → Doing → Code Review → Testing → Doing → Code Review → Done
    bounced = item("ZifeqXWw")
    assert (bounced.started_at, bounced.done_at) == (at(4, 9, 15), at(4, 12, 47, 53, 834))
    assert bounced.lead_time == dt.timedelta(hours=5, minutes=6, microseconds=834000)
    assert (bounced.status, bounced.status_category) == ("Done 🎉", "done")
    # still in review
    review = item("2u9P8VFa")
    assert (review.started_at, review.done_at) == (at(4, 10, 0), None)
    assert (review.status, review.status_category) == ("Code Review", "in_progress")
    # its only known move starts in Code Review, so it was in progress from creation
    assert (item("JinrNdgd").started_at, item("JinrNdgd").done_at) == (CREATED, None)
    # started, then sent back to the backlog: started stays, not done
    returned = item("iMh6NCj7")
    assert (returned.started_at, returned.done_at) == (at(4, 8, 30), None)
    assert (returned.status_category, returned.assignee.display_name) == ("todo", "Mei Lin")  # type: ignore[union-attr]
    # archived while in Doing: cancelled, no longer in progress
    archived = item("tgVXqpUm")
    assert (archived.status, archived.status_category) == ("Archived", "cancelled")
    assert (archived.started_at, archived.done_at) == (CREATED, None)
    assert archived.status_changes.count() == 3
    # archived while done: stays done, no status change recorded
    done_archived = item("t69DayQW")
    assert (done_archived.status, done_archived.done_at) == ("Done 🎉", CREATED)
    assert done_archived.status_changes.count() == 0
    # created later with a createCard action: created at the action's time, not the id's second
    notes = item("Rn12Vx7Q")
    assert notes.created_at == at(9, 10, 0, 0, 412)
    assert (notes.started_at, notes.done_at) == (at(9, 13, 30), at(10, 16, 45, 12))
    assert notes.labels == ["Docs", "green"]
    assert notes.assignee.display_name == "Ahmed Karim"  # type: ignore[union-attr]
    assert notes.url == "https://trello.com/c/Rn12Vx7Q/15-release-notes-for-12"
    # a list no default knows is unmapped and counts as to do
    design = item("RdlxIBfI")
    assert (design.status, design.status_category) == ("Design", "todo")


@pytest.mark.django_db
def test_the_summary_says_how_far_back_history_goes_and_which_moves_are_missing(
    source: DataSource,
) -> None:
    # when
    run = import_path(source, EXPORT)
    # then
    assert run.summary.splitlines()[-3:] == [
        "Status history goes back to 2023-03-04 08:00 UTC (26 actions in the file).",
        "14 cards were created before that, so their earlier moves may be missing.",
        "1 card is in a list its recorded moves do not lead to, so some of its moves are "
        "missing; times are counted from what is known.",
    ]
    assert "skipped status_changes" in run.summary
    assert (
        "card 6402f6413ee115cc0084affe is neither in this file nor imported before" in run.summary
    )


@pytest.mark.django_db
def test_lists_are_stored_as_statuses_with_how_they_resolved(source: DataSource) -> None:
    # given
    source.status_mapping = {"Design": "in_progress"}
    source.save()
    # when
    import_path(source, EXPORT)
    # then
    rows = {s.name: (s.category, s.resolution) for s in SourceStatus.objects.all()}
    assert rows == {
        "Backlog": ("todo", "list_name"),
        "Design": ("in_progress", "mapping"),
        "To Do": ("todo", "list_name"),
        "Doing": ("in_progress", "list_name"),
        "Code Review": ("in_progress", "list_name"),
        "Testing": ("in_progress", "list_name"),
        "Done 🎉": ("done", "list_name"),
        "123456": ("todo", "unresolved"),
        "Archived": ("cancelled", "list_name"),
    }
    assert item("RdlxIBfI").status_category == "in_progress"


@pytest.mark.django_db
def test_importing_the_same_export_twice_changes_nothing(source: DataSource) -> None:
    # given
    import_path(source, EXPORT)
    before = snapshot(source)
    # when
    run = import_path(source, EXPORT)
    # then
    assert run.counts["work_items"] == {"created": 0, "updated": 0, "unchanged": 15, "skipped": 0}
    assert run.counts["status_changes"]["unchanged"] == 21
    assert snapshot(source) == before


@pytest.mark.django_db
def test_rest_cards_and_lists_import_without_history(vistula_engagement: Engagement) -> None:
    # given: a source without a board id takes every board in the file
    source = DataSource.objects.create(engagement=vistula_engagement, kind="trello", name="All")
    # when
    run = import_path(source, REST)
    # then
    assert run.status == SyncRunStatus.SUCCEEDED, run.error
    assert WorkItem.objects.count() == 72
    assert StatusChange.objects.count() == 0
    assert "The file has no actions" in run.summary
    shipped = item("E2XuZBVt")  # in "📆 Sprint - Done [Version: 1.2.0]"
    assert (shipped.status_category, shipped.done_at) == ("done", shipped.created_at)
    assert item("8MxOqZHI").status == "On Hold"


@pytest.mark.django_db
def test_cards_of_other_boards_are_skipped_with_a_reason(source: DataSource) -> None:
    # when
    run = import_path(source, REST)
    # then
    assert WorkItem.objects.count() == 14
    assert run.counts["work_items"]["skipped"] == 58
    assert "card is on board 640987842d1ccfffebb316fd, not 6402f6413ee115cc0084af56" in run.summary


# -- malformed input: one clear error, nothing written ------------------------------------------


def broken_export(tmp_path: Path, change: Any) -> Path:
    document = json.loads(EXPORT.read_text())
    change(document)
    path = tmp_path / "board.json"
    path.write_text(json.dumps(document))
    return path


def set_action_date(document: dict[str, Any]) -> None:
    document["actions"][3]["date"] = "04/03/2023"


def drop_list_of_card(document: dict[str, Any]) -> None:
    del document["cards"][2]["idList"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            set_action_date,
            "board.json, action 4 (",
        ),
        (
            drop_list_of_card,
            "board.json, card 3 (6402f6413ee115cc0084afce “Design & Research”): 'idList' is missing.",
        ),
        (lambda d: d.update(cards={"a": 1}), 'board.json: "cards" is not a list'),
        (
            lambda d: d["lists"].append("Done"),
            "board.json, list 9: this is a JSON str, not a Trello list.",
        ),
        (lambda d: d.pop("lists"), "board.json holds a JSON object without cards and lists"),
    ],
)
def test_a_malformed_export_fails_with_one_sentence_and_writes_nothing(
    source: DataSource, tmp_path: Path, change: Any, message: str
) -> None:
    # given
    path = broken_export(tmp_path, change)
    # when
    run = import_path(source, path)
    # then
    assert run.status == SyncRunStatus.FAILED
    assert message in run.error
    assert "\n" not in run.error
    assert WorkItem.objects.count() == 0
    assert SourceStatus.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_action_date_names_the_field_and_the_expected_form(
    source: DataSource, tmp_path: Path
) -> None:
    run = import_path(source, broken_export(tmp_path, set_action_date))
    assert run.error.endswith(
        "'date' is not a time: '04/03/2023' (expected 2023-03-04T12:47:53.834Z)."
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"cards": [{"id": "6402', "board.json is not valid JSON: Unterminated string"),
        (b"\xff\xfe{}", "board.json is not UTF-8 text"),
        (b"[]", "board.json holds a JSON list (expected a Trello board"),
    ],
)
def test_unreadable_files_fail_clearly(
    source: DataSource, tmp_path: Path, content: bytes, message: str
) -> None:
    # given
    path = tmp_path / "board.json"
    path.write_bytes(content)
    # when
    run = import_path(source, path)
    # then
    assert run.status == SyncRunStatus.FAILED
    assert run.error.startswith(message)
    assert WorkItem.objects.count() == 0


# -- idempotency as a property ------------------------------------------------------------------


def snapshot(source: DataSource) -> dict[str, Any]:
    """The database state of a source by natural keys (no primary keys)."""
    items = {
        row["external_id"]: row
        for row in WorkItem.objects.filter(data_source=source).values(
            "external_id",
            "key",
            "title",
            "status",
            "status_id",
            "status_category",
            "created_at",
            "updated_at",
            "labels",
            "url",
            "started_at",
            "done_at",
            "cycle_time",
            "lead_time",
            "assignee__display_name",
        )
    }
    changes = {
        row["external_id"]: row
        for row in StatusChange.objects.filter(data_source=source).values(
            "external_id",
            "work_item__external_id",
            "from_status",
            "to_status",
            "from_category",
            "to_category",
            "changed_at",
            "author__display_name",
        )
    }
    statuses = set(
        SourceStatus.objects.filter(data_source=source).values_list(
            "external_id", "name", "category", "resolution"
        )
    )
    return {"items": items, "changes": changes, "statuses": statuses}


FULL = json.loads(EXPORT.read_text())
ACTION_IDS = [action["id"] for action in FULL["actions"]]


def partial_export(action_ids: set[str], card_ids: set[str]) -> dict[str, Any]:
    """The board as an export with only some actions, and some cards plus those they name."""
    actions = [a for a in FULL["actions"] if a["id"] in action_ids]
    named = {a["data"]["card"]["id"] for a in actions}
    cards = [c for c in FULL["cards"] if c["id"] in card_ids | named]
    return {**FULL, "actions": actions, "cards": cards}


card_ids = st.sets(st.sampled_from([c["id"] for c in FULL["cards"]]))
files = st.lists(st.tuples(st.sets(st.sampled_from(ACTION_IDS)), card_ids), min_size=1, max_size=4)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=files, repeat=st.integers(min_value=0, max_value=3))
def test_any_sequence_of_overlapping_imports_ends_as_one_import_of_their_union(
    source: DataSource, tmp_path: Path, sequence: list[tuple[set[str], set[str]]], repeat: int
) -> None:
    # given: a few overlapping exports of one board, one of them imported again
    exports = [partial_export(actions, cards) for actions, cards in sequence]
    exports.append(exports[repeat % len(exports)])
    union_actions = set().union(*(a for a, _ in sequence))
    union_cards = set().union(*(c for _, c in sequence))
    # when
    with transaction.atomic():
        for document in exports:
            importer.apply_board(
                data_source=source,
                board=importer.parse_document(document, "board.json"),
                summary=ImportSummary(),
            )
        imported_in_turn = snapshot(source)
        transaction.set_rollback(True)
    with transaction.atomic():
        importer.apply_board(
            data_source=source,
            board=importer.parse_document(partial_export(union_actions, union_cards), "all.json"),
            summary=ImportSummary(),
        )
        imported_at_once = snapshot(source)
        transaction.set_rollback(True)
    # then
    assert imported_in_turn == imported_at_once
