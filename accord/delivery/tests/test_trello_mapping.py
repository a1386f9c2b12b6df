"""Trello payload mapping on the real cards and lists in ../shared/data/trello/."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from accord.delivery.connectors.trello import mapping
from accord.delivery.connectors.trello.mapping import PayloadError
from tests.samples import sample_data_dir

SHARED = sample_data_dir() / "trello"
UTC = dt.UTC


def real() -> dict[str, Any]:
    return json.loads((SHARED / "board-cards-and-lists.json").read_text())


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Done", "done"),
        ("Done 🎉", "done"),
        ("📆 Sprint - Done [Version: 1.2.0]", "done"),
        ("完成", "done"),
        ("Shipped", "done"),
        ("Complete", "done"),
        ("Doing", "in_progress"),
        ("In Progress", "in_progress"),
        ("Code Review", "in_progress"),
        ("🧑🏾\u200d💻 Testing [Staging Server]", "in_progress"),
        ("📅 Working On", "in_progress"),
        ("🗒 Backlog", "todo"),
        ("🗓 Sprint Backlog - [Timeline]", "todo"),
        ("To Do", "todo"),
        ("Marketing Ideas - Icebox", "todo"),
        ("Next-up", "todo"),
        ("Won't do", "cancelled"),
        ("Win", None),
        ("On Hold", None),
        ("123456", None),
        ("Doneness criteria", None),
    ],
)
def test_default_category_by_list_name(name: str, category: str | None) -> None:
    assert mapping.default_category(name) == category


def test_the_source_mapping_wins_over_the_defaults_and_ignores_case() -> None:
    # given
    status_mapping = {"win": "done", "Doing": "todo"}
    # then
    assert mapping.resolve_category("Win", status_mapping) == ("done", "mapping")
    assert mapping.resolve_category("Doing", status_mapping) == ("todo", "mapping")
    assert mapping.resolve_category("Done 🎉", status_mapping) == ("done", "list_name")
    assert mapping.resolve_category("On Hold", status_mapping) == ("todo", "unresolved")


def test_a_mapping_to_something_that_is_not_a_category_is_ignored() -> None:
    assert mapping.resolve_category("Done", {"Done": "finished"}) == ("done", "list_name")


def test_every_real_card_maps() -> None:
    # given
    cards = [mapping.map_card(card) for card in real()["cards"]]
    # then
    assert len(cards) == 72
    by_key = {card.key: card for card in cards}
    templates = by_key["U3oLGhYx"]
    assert templates.title == "[Company Name]"
    assert templates.url == "https://trello.com/c/U3oLGhYx/10-company-name"
    assert templates.list_id == "64098772e6751c75dc0dc6c2"
    assert by_key["NHN6fn9Z"].labels == ("Government", "Planning")
    # labels without a name are shown by their colour
    assert by_key["ag5VZwhB"].labels == ("orange", "yellow")
    assert by_key["iMh6NCj7"].member_ids == ("6402b2c29c6e3811e534618d",)
    assert by_key["VyGlMpZ8"].last_activity == dt.datetime(2023, 3, 9, 7, 15, 17, 845000, UTC)


def test_every_real_list_maps_and_the_kanban_board_resolves_by_name() -> None:
    # given
    lists = [mapping.map_list(item) for item in real()["lists"]]
    kanban = [item for item in lists if item.board_id == "6402f6413ee115cc0084af56"]
    # then
    assert len(lists) == 37
    assert [(item.name, mapping.resolve_category(item.name, {})[0]) for item in kanban] == [
        ("Backlog", "todo"),
        ("Design", "todo"),
        ("To Do", "todo"),
        ("Doing", "in_progress"),
        ("Code Review", "in_progress"),
        ("Testing", "in_progress"),
        ("Done 🎉", "done"),
        ("123456", "todo"),
    ]


def test_a_card_id_carries_its_creation_second() -> None:
    assert mapping.object_id_time("6402f6413ee115cc0084afe6") == dt.datetime(
        2023, 3, 4, 7, 41, 53, tzinfo=UTC
    )
    with pytest.raises(PayloadError, match="is not a Trello id"):
        mapping.object_id_time("card-1")


def test_a_move_is_an_update_with_list_before_and_after() -> None:
    # given
    action = {
        "id": "6403256f0000000000000001",
        "type": "updateCard",
        "date": "2023-03-04T11:20:00.000Z",
        "idMemberCreator": "m1",
        "data": {
            "card": {"id": "6402f6413ee115cc0084afde", "idList": "L2"},
            "old": {"idList": "L1"},
            "listBefore": {"id": "L1", "name": "Testing"},
            "listAfter": {"id": "L2", "name": "Doing"},
        },
    }
    # when
    change = mapping.map_action(action)
    # then
    assert change == mapping.Change(
        action_id="6403256f0000000000000001",
        card_id="6402f6413ee115cc0084afde",
        at=dt.datetime(2023, 3, 4, 11, 20, tzinfo=UTC),
        from_id="L1",
        from_name="Testing",
        to_id="L2",
        to_name="Doing",
        author_id="m1",
    )


@pytest.mark.parametrize(("closed", "archive"), [(True, True), (False, False)])
def test_archive_and_unarchive_move_to_and_from_archived(closed: bool, archive: bool) -> None:
    # given
    action = {
        "id": "a1",
        "type": "updateCard",
        "date": "2023-03-04T12:00:00Z",
        "data": {
            "card": {"id": "c1", "closed": closed},
            "old": {"closed": not closed},
            "list": {"id": "L4", "name": "Doing"},
        },
    }
    # when
    change = mapping.map_action(action)
    # then
    assert isinstance(change, mapping.Change)
    assert change.archive is archive
    ends = (change.from_name, change.to_name)
    assert ends == (("Doing", "Archived") if archive else ("Archived", "Doing"))


def test_other_actions_are_ignored() -> None:
    assert mapping.map_action({"type": "commentCard", "data": {"text": "hi"}}) is None
    rename = {
        "id": "a",
        "type": "updateCard",
        "date": "2023-03-04T12:00:00Z",
        "data": {"card": {"id": "c"}, "old": {"name": "x"}},
    }
    assert mapping.map_action(rename) is None


@pytest.mark.parametrize(
    ("card", "message"),
    [
        ({"id": "6402f6413ee115cc0084afde", "shortLink": "x"}, "'idList' is missing"),
        ({"id": "nope", "idList": "L", "shortLink": "x"}, "is not a Trello id"),
        ({"id": "6402f6413ee115cc0084afde", "idList": "L"}, "'shortLink' and 'idShort'"),
        (
            {
                "id": "6402f6413ee115cc0084afde",
                "idList": "L",
                "idShort": 3,
                "dateLastActivity": "yesterday",
            },
            "'dateLastActivity' is not a time",
        ),
        ({"id": "6402f6413ee115cc0084afde", "idList": "L", "idShort": 3, "labels": "x"}, "labels"),
    ],
)
def test_malformed_cards_name_the_field(card: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        mapping.map_card(card)
