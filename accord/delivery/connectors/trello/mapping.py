"""Trello payloads → field dicts: lists are statuses, cards are work items, moves are changes.

Pure functions over the shapes of a board's "Export as JSON" file and the REST API
(`/1/boards/{id}/cards`, `/lists`, `/actions`). A card archived while in a list that is not done
moves to the status ARCHIVED (cancelled by default), so it stops counting as work in progress;
archiving a done card changes nothing, because teams archive finished cards routinely.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from accord.delivery.models import Category, SourceStatus

Payload = Mapping[str, Any]

ARCHIVED_ID = "archived"
ARCHIVED_NAME = "Archived"
# Actions that bring a card into existence on the board, each with `data.list`.
CREATION_ACTIONS = ("createCard", "copyCard", "convertToCardFromCheckItem", "emailCard")
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")

# Default categories by words in a list name (DESIGN.md: Trello by list name), checked in this
# order, so "Sprint - Done" is done and "Sprint Backlog" is to do.
DEFAULT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Category.CANCELLED, ("cancelled", "canceled", "won t do", "wont do", "archived")),
    (
        Category.DONE,
        ("done", "shipped", "complete", "completed", "finished", "released", "deployed", "完成"),
    ),
    (
        Category.IN_PROGRESS,
        (
            "doing",
            "in progress",
            "review",
            "testing",
            "qa",
            "working on",
            "wip",
            "in development",
            "进行中",
        ),
    ),
    (Category.TODO, ("backlog", "to do", "todo", "ideas", "icebox", "next up", "up next", "待办")),
)


class PayloadError(ValueError):
    """A payload lacks a field or has one Accord cannot read; the message names the field."""


def _words(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in name.casefold())
    return f" {' '.join(cleaned.split())} "


def default_category(name: str) -> str | None:
    """The category a list name suggests ("Done 🎉" → done), or None when it suggests none."""
    words = _words(name)
    for category, phrases in DEFAULT_WORDS:
        if any(f" {phrase} " in words for phrase in phrases):
            return str(category)
    return None


def resolve_category(name: str, status_mapping: Mapping[str, str]) -> tuple[str, str]:
    """(category, SourceStatus resolution) of a list name: the source's mapping, then defaults."""
    wanted = status_mapping.get(name)
    if wanted is None:
        folded = name.strip().casefold()
        wanted = next(
            (v for k, v in status_mapping.items() if k.strip().casefold() == folded), None
        )
    if wanted in Category.values:
        return str(wanted), SourceStatus.Resolution.MAPPING
    default = default_category(name)
    if default is not None:
        return default, SourceStatus.Resolution.LIST_NAME
    return Category.TODO, SourceStatus.Resolution.UNRESOLVED


def object_id_time(object_id: str) -> dt.datetime:
    """When a Trello object was created: the first 4 bytes of its id are Unix seconds."""
    if not OBJECT_ID.match(object_id):
        raise PayloadError(f"'id' {object_id!r} is not a Trello id (24 hex digits)")
    return dt.datetime.fromtimestamp(int(object_id[:8], 16), tz=dt.UTC)


def parse_time(value: Any, key: str) -> dt.datetime:
    """A Trello time ('2023-03-04T12:47:53.834Z') as an aware datetime."""
    if not isinstance(value, str):
        raise PayloadError(f"'{key}' is missing or not a time (expected 2023-03-04T12:47:53.834Z)")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(
            f"'{key}' is not a time: {value!r} (expected 2023-03-04T12:47:53.834Z)"
        ) from None
    if parsed.tzinfo is None:
        raise PayloadError(f"'{key}' has no time zone: {value!r} (expected a Z or an offset)")
    return parsed


def _text(payload: Payload, key: str, *, required: bool = True) -> str:
    value = payload.get(key)
    if value is None or value == "":
        if required:
            raise PayloadError(f"'{key}' is missing")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise PayloadError(f"'{key}' is not text")
    return str(value)


@dataclass(frozen=True)
class TrelloList:
    """A list (a status) on a board."""

    id: str
    name: str
    board_id: str


@dataclass(frozen=True)
class Card:
    """A card as the file or the API shows it now."""

    id: str
    board_id: str
    list_id: str
    key: str
    title: str
    closed: bool
    labels: tuple[str, ...]
    member_ids: tuple[str, ...]
    url: str
    last_activity: dt.datetime | None


@dataclass(frozen=True)
class Change:
    """A move between lists, or an archive/unarchive, recorded by one action."""

    action_id: str
    card_id: str
    at: dt.datetime
    from_id: str
    from_name: str
    to_id: str
    to_name: str
    author_id: str
    archive: bool | None = None  # True archived, False unarchived, None a move


@dataclass(frozen=True)
class Creation:
    """The action that created a card, with the list it was created in."""

    action_id: str
    card_id: str
    at: dt.datetime
    list_id: str
    list_name: str


@dataclass
class Member:
    """A Trello account named by a card or an action."""

    id: str
    full_name: str = ""
    username: str = ""


@dataclass
class Board:
    """Everything read from one file or one sync: lists, cards, moves, creations, members."""

    lists: dict[str, TrelloList] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    changes: dict[str, Change] = field(default_factory=dict)
    creations: dict[str, Creation] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    action_count: int = 0
    has_actions: bool = False
    earliest_action: dt.datetime | None = None


def map_list(payload: Payload) -> TrelloList:
    """A list from `/lists` or an export's `lists`."""
    return TrelloList(
        id=_text(payload, "id"),
        name=_text(payload, "name", required=False),
        board_id=_text(payload, "idBoard", required=False),
    )


def map_card(payload: Payload) -> Card:
    """A card from `/cards` or an export's `cards`."""
    card_id = _text(payload, "id")
    object_id_time(card_id)
    labels = payload.get("labels") or []
    if not isinstance(labels, list):
        raise PayloadError("'labels' is not a list")
    members = payload.get("idMembers") or []
    if not isinstance(members, list):
        raise PayloadError("'idMembers' is not a list")
    closed = payload.get("closed", False)
    if not isinstance(closed, bool):
        raise PayloadError("'closed' is not true or false")
    activity = payload.get("dateLastActivity")
    short_link = _text(payload, "shortLink", required=False)
    id_short = _text(payload, "idShort", required=False)
    if not short_link and not id_short:
        raise PayloadError("'shortLink' and 'idShort' are both missing")
    return Card(
        id=card_id,
        board_id=_text(payload, "idBoard", required=False),
        list_id=_text(payload, "idList"),
        key=short_link or f"#{id_short}",
        title=_text(payload, "name", required=False)[:500],
        closed=closed,
        labels=tuple(
            str(label.get("name") or label.get("color") or "")
            for label in labels
            if isinstance(label, dict) and (label.get("name") or label.get("color"))
        ),
        member_ids=tuple(str(member) for member in members),
        url=_text(payload, "url", required=False)[:500],
        last_activity=parse_time(activity, "dateLastActivity") if activity else None,
    )


def _ref(data: Payload, key: str) -> tuple[str, str]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PayloadError(f"'data.{key}' is missing")
    return _text(value, "id"), _text(value, "name", required=False)


def map_action(payload: Payload) -> Change | Creation | Member | None:
    """A move, archive, unarchive or creation from one action; None for any other action."""
    kind = _text(payload, "type")
    data = payload.get("data")
    if not isinstance(data, dict):
        raise PayloadError("'data' is missing")
    if kind != "updateCard" and kind not in CREATION_ACTIONS:
        return None
    action_id = _text(payload, "id")
    at = parse_time(payload.get("date"), "date")
    card = data.get("card")
    if not isinstance(card, dict):
        raise PayloadError("'data.card' is missing")
    card_id = _text(card, "id")
    author = str(payload.get("idMemberCreator") or "")
    if kind in CREATION_ACTIONS:
        list_id, list_name = _ref(data, "list")
        return Creation(action_id, card_id, at, list_id, list_name)
    if "listBefore" in data or "listAfter" in data:
        from_id, from_name = _ref(data, "listBefore")
        to_id, to_name = _ref(data, "listAfter")
        return Change(action_id, card_id, at, from_id, from_name, to_id, to_name, author)
    old = data.get("old")
    if isinstance(old, dict) and "closed" in old:
        archived = bool(card.get("closed", not old["closed"]))
        list_id, list_name = _ref(data, "list")
        if archived:
            return Change(
                action_id, card_id, at, list_id, list_name, ARCHIVED_ID, ARCHIVED_NAME, author, True
            )
        return Change(
            action_id, card_id, at, ARCHIVED_ID, ARCHIVED_NAME, list_id, list_name, author, False
        )
    return None


def member_of(payload: Payload) -> Member | None:
    """The account that performed an action, if the action names it."""
    creator = payload.get("memberCreator")
    if isinstance(creator, dict) and creator.get("id"):
        return Member(
            id=str(creator["id"]),
            full_name=str(creator.get("fullName") or ""),
            username=str(creator.get("username") or ""),
        )
    return None


def add_action(board: Board, payload: Payload) -> None:
    """Read one action into the board (raises PayloadError if it is malformed)."""
    mapped = map_action(payload)
    board.action_count += 1
    board.has_actions = True
    date = payload.get("date")
    if isinstance(date, str):
        at = parse_time(date, "date")
        if board.earliest_action is None or at < board.earliest_action:
            board.earliest_action = at
    member = member_of(payload)
    if member is not None:
        board.members.setdefault(member.id, member)
    if isinstance(mapped, Creation):
        board.creations[mapped.card_id] = mapped
    elif isinstance(mapped, Change):
        board.changes[mapped.action_id] = mapped


def current_status(
    card: Card, lists: Mapping[str, TrelloList], category_of: Mapping[str, str]
) -> tuple[str, str]:
    """(status id, status name) of a card now: its list, or ARCHIVED if archived and not done."""
    trello_list = lists.get(card.list_id)
    name = trello_list.name if trello_list else ""
    if card.closed and category_of.get(name) != Category.DONE:
        return ARCHIVED_ID, ARCHIVED_NAME
    return card.list_id, name


def history_gaps(board: Board) -> tuple[int, int]:
    """(cards created before the earliest action, cards whose moves do not reach their list).

    The first may miss early moves; the second certainly miss some. Only cards with a known
    history count: with no actions at all nothing can be said."""
    if not board.has_actions or board.earliest_action is None:
        return 0, 0
    by_card: dict[str, list[Change]] = {}
    for change in board.changes.values():
        if change.archive is None:
            by_card.setdefault(change.card_id, []).append(change)
    before, broken = 0, 0
    for card in board.cards.values():
        creation = board.creations.get(card.id)
        if creation is None and object_id_time(card.id) < board.earliest_action:
            before += 1
        moves = sorted(by_card.get(card.id, []), key=lambda c: (c.at, c.action_id))
        if moves:
            known_last = moves[-1].to_id
            first_from = moves[0].from_id
        elif creation is not None:
            known_last = first_from = creation.list_id
        else:
            continue
        if known_last != card.list_id or (creation and creation.list_id != first_from):
            broken += 1
    return before, broken
