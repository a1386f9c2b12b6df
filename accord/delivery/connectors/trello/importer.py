"""Import a Trello board: an "Export as JSON" file, or cards and lists from the REST API.

The whole file is read and mapped before anything is written, so a malformed record stops the
import with one sentence naming the file and the record, and nothing lands (run_import's
transaction). `apply_board` is the one write path: the sync and the webhooks call it too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from accord.delivery.actions import (
    Account,
    ImportFailed,
    ImportSummary,
    resolve_accounts,
    upsert_records,
)
from accord.delivery.connectors.trello import mapping
from accord.delivery.connectors.trello.mapping import Board, Change, PayloadError
from accord.delivery.models import Category, DataSource, StatusChange, WorkItem
from accord.delivery.statuses import ListedStatus, record_status_list, resolve_statuses

EXPECTED = (
    'expected a Trello board\'s "Export as JSON" file, or an object with the "cards" and '
    '"lists" of GET /1/boards/{id}/cards and /lists'
)
ITEM_FIELDS = [
    "key",
    "title",
    "item_type",
    "status",
    "status_id",
    "status_category",
    "created_at",
    "updated_at",
    "assignee_id",
    "labels",
    "url",
]
CHANGE_FIELDS = [
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


def _records(document: Mapping[str, Any], key: str, name: str) -> list[Any]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise ImportFailed(f'{name}: "{key}" is not a list ({EXPECTED}).')
    return value


def _describe(record: Any) -> str:
    if isinstance(record, dict):
        label = record.get("name") or record.get("type") or ""
        ident = record.get("id") or "?"
        return f"{ident}" + (f" “{str(label)[:60]}”" if label else "")
    return f"a JSON {type(record).__name__}"


def parse_document(document: Any, name: str) -> Board:
    """A Board from one parsed JSON document; ImportFailed names the file and the record."""
    if not isinstance(document, dict) or "cards" not in document or "lists" not in document:
        shown = "object without cards and lists" if isinstance(document, dict) else "list"
        shown = shown if isinstance(document, dict | list) else type(document).__name__
        raise ImportFailed(f"{name} holds a JSON {shown} ({EXPECTED}).")
    board = Board()
    sections = [("list", "lists"), ("card", "cards"), ("action", "actions"), ("member", "members")]
    for label, key in sections:
        for index, record in enumerate(_records(document, key, name), start=1):
            if not isinstance(record, dict):
                raise ImportFailed(
                    f"{name}, {label} {index}: this is {_describe(record)}, not a Trello {label}."
                )
            try:
                _add(board, key, record)
            except PayloadError as exc:
                raise ImportFailed(
                    f"{name}, {label} {index} ({_describe(record)}): {exc}."
                ) from None
    if "actions" in document:
        board.has_actions = True
    return board


def _add(board: Board, key: str, record: Mapping[str, Any]) -> None:
    if key == "lists":
        trello_list = mapping.map_list(record)
        board.lists[trello_list.id] = trello_list
    elif key == "cards":
        card = mapping.map_card(record)
        board.cards[card.id] = card
    elif key == "actions":
        mapping.add_action(board, record)
    else:
        member = mapping.Member(
            id=str(record.get("id") or ""),
            full_name=str(record.get("fullName") or ""),
            username=str(record.get("username") or ""),
        )
        if member.id:
            board.members[member.id] = member


def read_board(path: Path) -> Board:
    """Read and map one file."""
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file; give a Trello JSON file.")
    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailed(f"{path.name} is not UTF-8 text ({EXPECTED}).") from None
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            f"({EXPECTED})."
        ) from None
    return parse_document(document, path.name)


def import_file(
    *,
    data_source: DataSource,
    path: Path | str,
    summary: ImportSummary,
    options: Mapping[str, Any] | None = None,
) -> None:
    """Import a Trello board export or REST cards-and-lists file into the data source."""
    board = read_board(Path(path))
    apply_board(data_source=data_source, board=board, summary=summary)
    summary.notes.extend(history_notes(board))


def history_notes(board: Board) -> list[str]:
    """How far back the history in the file goes, and the cards whose moves are missing."""
    if not board.has_actions:
        return [
            "The file has no actions, so no card has a status history: each card counts as "
            "having been in its current list since it was created."
        ]
    if board.earliest_action is None:
        return ["The file's actions list is empty, so no card has a status history."]
    before, broken = mapping.history_gaps(board)
    notes = [
        f"Status history goes back to {board.earliest_action:%Y-%m-%d %H:%M} UTC "
        f"({board.action_count} actions in the file)."
    ]
    if before:
        notes.append(
            f"{_cards(before)} created before that, so their earlier moves may be missing."
        )
    if broken:
        notes.append(
            (
                "1 card is in a list its recorded moves do not lead to, so some of its"
                if broken == 1
                else f"{broken} cards are in lists their recorded moves do not lead to, so "
                "some of their"
            )
            + " moves are missing; times are counted from what is known."
        )
    return notes


def _cards(count: int) -> str:
    return "1 card was" if count == 1 else f"{count} cards were"


def _in_scope(data_source: DataSource, board: Board, summary: ImportSummary) -> None:
    wanted = str((data_source.scope or {}).get("board_id") or "")
    if not mapping.OBJECT_ID.match(wanted):
        return  # no board id, or a short link we cannot compare with a card's idBoard
    for card in list(board.cards.values()):
        if card.board_id and card.board_id != wanted:
            del board.cards[card.id]
            summary.skip("work_items", card.key, f"card is on board {card.board_id}, not {wanted}")
    for trello_list in list(board.lists.values()):
        if trello_list.board_id and trello_list.board_id != wanted:
            del board.lists[trello_list.id]


def _list_names(board: Board) -> dict[str, str]:
    """Every list id seen, named by its current name where the board knows it."""
    names: dict[str, str] = {}
    for change in board.changes.values():
        names[change.from_id] = change.from_name
        names[change.to_id] = change.to_name
    for creation in board.creations.values():
        names[creation.list_id] = creation.list_name
    for trello_list in board.lists.values():
        names[trello_list.id] = trello_list.name
    if any(card.closed for card in board.cards.values()):
        names[mapping.ARCHIVED_ID] = mapping.ARCHIVED_NAME
    return names


def record_lists(*, data_source: DataSource, names: Mapping[str, str]) -> dict[str, str]:
    """Store every list as a status of the source; returns list id → category by its name.

    statuses.resolve_statuses settles the categories afterwards, in the one order every
    connector follows (the source's mapping, then the name)."""
    record_status_list(
        data_source=data_source,
        statuses=[ListedStatus(list_id, name, "") for list_id, name in names.items()],
    )
    status_mapping = data_source.status_mapping or {}
    return {
        list_id: mapping.resolve_category(name, status_mapping)[0]
        for list_id, name in names.items()
    }


def people_of(board: Board) -> dict[str, int]:
    """Person ids for the cards' first members (assignees) and the actions' authors."""
    wanted = {member for card in board.cards.values() for member in card.member_ids[:1]}
    wanted |= {change.author_id for change in board.changes.values() if change.author_id}
    accounts = []
    for member_id in wanted:
        known = board.members.get(member_id) or mapping.Member(id=member_id)
        accounts.append(Account(external_id=member_id, name=known.full_name or known.username))
    return resolve_accounts("trello", accounts)


def _created_times(data_source: DataSource, board: Board) -> dict[str, dt.datetime]:
    # A creation action is exact; without one, keep what an earlier import found (it may have
    # seen the action), else the id's embedded second. So the result never depends on the order
    # overlapping files arrive in.
    created = {card_id: c.at for card_id, c in board.creations.items()}
    unknown = [card_id for card_id in board.cards if card_id not in created]
    stored = dict(
        WorkItem.objects.filter(data_source=data_source, external_id__in=unknown).values_list(
            "external_id", "created_at"
        )
    )
    for card_id in unknown:
        created[card_id] = stored.get(card_id) or mapping.object_id_time(card_id)
    return created


def apply_board(*, data_source: DataSource, board: Board, summary: ImportSummary) -> set[int]:
    """Write a board's statuses, cards and moves, then derive facts; returns the items touched."""
    _in_scope(data_source, board, summary)
    names = _list_names(board)
    categories = record_lists(data_source=data_source, names=names)
    by_name = {names[list_id]: category for list_id, category in categories.items()}
    people = people_of(board)
    created = _created_times(data_source, board)
    rows = []
    for card in board.cards.values():
        status_id, status = mapping.current_status(card, board.lists, by_name)
        rows.append(
            {
                "external_id": card.id,
                "key": card.key,
                "title": card.title,
                "item_type": "card",
                "status": status,
                "status_id": status_id,
                "status_category": categories.get(status_id, "todo"),
                "created_at": created[card.id],
                "updated_at": card.last_activity,
                "assignee_id": people.get(card.member_ids[0]) if card.member_ids else None,
                "labels": list(card.labels),
                "url": card.url,
            }
        )
    counts, item_ids = upsert_records(
        WorkItem, data_source=data_source, rows=rows, fields=ITEM_FIELDS
    )
    summary.add("work_items", counts)
    touched = set(item_ids.values())
    touched |= write_changes(
        data_source=data_source,
        changes=status_changes(board, categories),
        categories=categories,
        people=people,
        item_ids=item_ids,
        summary=summary,
    )
    resolution = resolve_statuses(
        data_source=data_source, guess=mapping.default_category, derive_for=touched
    )
    if resolution.note():
        summary.notes.append(resolution.note())
    return touched


def status_changes(board: Board, categories: Mapping[str, str]) -> list[Change]:
    """The board's changes that change a status: archiving a done card is housekeeping."""
    return [
        change
        for change in board.changes.values()
        if change.archive is None
        or categories.get(change.from_id if change.archive else change.to_id) != Category.DONE
    ]


def write_changes(
    *,
    data_source: DataSource,
    changes: Iterable[Change],
    categories: Mapping[str, str],
    people: Mapping[str, int],
    item_ids: Mapping[str, int],
    summary: ImportSummary,
) -> set[int]:
    """Upsert the status changes of known cards; returns the ids of the items they belong to."""
    changes = list(changes)
    missing = {c.card_id for c in changes if c.card_id not in item_ids}
    known = dict(item_ids)
    known.update(
        WorkItem.objects.filter(data_source=data_source, external_id__in=missing).values_list(
            "external_id", "id"
        )
    )
    rows: list[dict[str, Any]] = []
    for change in changes:
        item_id = known.get(change.card_id)
        if item_id is None:
            summary.skip(
                "status_changes",
                change.action_id,
                f"card {change.card_id} is neither in this file nor imported before",
            )
            continue
        rows.append(
            {
                "external_id": change.action_id,
                "work_item_id": item_id,
                "from_status": change.from_name[:200],
                "from_status_id": change.from_id,
                "to_status": change.to_name[:200],
                "to_status_id": change.to_id,
                "from_category": categories.get(change.from_id, "todo"),
                "to_category": categories.get(change.to_id, "todo"),
                "changed_at": change.at,
                "author_id": people.get(change.author_id),
            }
        )
    counts, _ = upsert_records(
        StatusChange, data_source=data_source, rows=rows, fields=CHANGE_FIELDS
    )
    summary.add("status_changes", counts)
    return {row["work_item_id"] for row in rows}
