"""Trello webhooks: verify the signature, name the delivery, apply one action idempotently.

Trello signs each POST with `X-Trello-Webhook` = base64(HMAC-SHA1(app secret, raw body + the
exact callback URL registered)). The data source's `webhook_secret` holds the Trello app secret;
the callback URL is the one the request came in on, or `scope["callback_url"]` when Accord sits
behind a proxy that changes it. The delivery id is the action id, so a replay is stored once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from accord.delivery.actions import ImportSummary
from accord.delivery.connectors.trello import importer, mapping
from accord.delivery.connectors.trello.mapping import (
    Board,
    Card,
    Change,
    Creation,
    PayloadError,
    TrelloList,
)
from accord.delivery.models import DataSource, WorkItem
from accord.delivery.statuses import resolve_statuses

HEADER = "x-trello-webhook"


def signature(secret: str, body: bytes, callback_url: str) -> str:
    """Trello's signature of a delivery: base64 HMAC-SHA1 over body and callback URL."""
    digest = hmac.new(secret.encode(), body + callback_url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def verify(data_source: DataSource, headers: Mapping[str, str], body: bytes, url: str = "") -> bool:
    """Whether the delivery carries a valid signature for one of the source's callback URLs."""
    given = _header(headers, HEADER).strip()
    secret = data_source.webhook_secret
    if not given or not secret:
        return False
    urls = {u for u in (url, str((data_source.scope or {}).get("callback_url") or "")) if u}
    # Every candidate is compared, in constant time, so timing says nothing about which matched.
    matches = [hmac.compare_digest(given, signature(secret, body, u)) for u in sorted(urls)]
    return any(matches)


def delivery_id(headers: Mapping[str, str], payload: Any) -> str:
    """The action id: Trello sends one delivery per action."""
    action = payload.get("action") if isinstance(payload, dict) else None
    return str(action.get("id") or "") if isinstance(action, dict) else ""


def event_name(headers: Mapping[str, str], payload: Any) -> str:
    """The action type (updateCard, createCard, …)."""
    action = payload.get("action") if isinstance(payload, dict) else None
    return str(action.get("type") or "") if isinstance(action, dict) else ""


def _card_from(action: Mapping[str, Any], event: Change | Creation) -> Card:
    data = action.get("data") or {}
    card = data.get("card") or {}
    list_id = event.list_id if isinstance(event, Creation) else event.to_id
    if isinstance(event, Change) and event.archive is not None:
        list_id = event.from_id if event.archive else event.to_id
    key = str(card.get("shortLink") or (f"#{card['idShort']}" if card.get("idShort") else ""))
    return Card(
        id=event.card_id,
        board_id=str((data.get("board") or {}).get("id") or ""),
        list_id=list_id,
        key=key or event.card_id,
        title=str(card.get("name") or "")[:500],
        closed=bool(card.get("closed", False)),
        labels=(),
        member_ids=(),
        url="",
        last_activity=event.at,
    )


def process(*, data_source: DataSource, event: str, payload: Any, summary: ImportSummary) -> None:
    """Apply one stored delivery: a new card, a move, an archive or unarchive."""
    action = payload.get("action") if isinstance(payload, dict) else None
    if not isinstance(action, dict):
        summary.skip("webhooks", event or "?", "the delivery has no action")
        return
    board = Board()
    try:
        mapping.add_action(board, action)
    except PayloadError as exc:
        summary.skip("webhooks", str(action.get("id") or "?"), f"{event}: {exc}")
        return
    found: list[Change | Creation] = [*board.creations.values(), *board.changes.values()]
    if not found:
        return  # an action that changes no card status (a comment, a rename…)
    change_or_creation = found[0]
    item = WorkItem.objects.filter(
        data_source=data_source, external_id=change_or_creation.card_id
    ).first()
    if item is None:
        # A card Accord has not seen: the action carries enough to create it.
        card = _card_from(action, change_or_creation)
        board.cards[card.id] = card
        if isinstance(change_or_creation, Creation):
            names = {change_or_creation.list_id: change_or_creation.list_name}
        else:
            names = {
                change_or_creation.from_id: change_or_creation.from_name,
                change_or_creation.to_id: change_or_creation.to_name,
            }
        board.lists[card.list_id] = TrelloList(card.list_id, names.get(card.list_id, ""), "")
        importer.apply_board(data_source=data_source, board=board, summary=summary)
        return
    if isinstance(change_or_creation, Creation):
        return  # already imported; its creation time is set, nothing else to learn
    _apply_change(data_source, board, change_or_creation, item, summary)


def _apply_change(
    data_source: DataSource, board: Board, change: Change, item: WorkItem, summary: ImportSummary
) -> None:
    names = {change.from_id: change.from_name, change.to_id: change.to_name}
    known = set(
        data_source.statuses.filter(external_id__in=list(names)).values_list(
            "external_id", flat=True
        )
    )
    # A list already known keeps its stored name (the action may carry an older one).
    categories = importer.record_lists(
        data_source=data_source, names={k: v for k, v in names.items() if k not in known}
    )
    categories.update(
        dict(
            data_source.statuses.filter(external_id__in=list(known)).values_list(
                "external_id", "category"
            )
        )
    )
    changes = importer.status_changes(board, categories)
    touched = importer.write_changes(
        data_source=data_source,
        changes=changes,
        categories=categories,
        people=importer.people_of(board),
        item_ids={change.card_id: item.pk},
        summary=summary,
    )
    # Deliveries can arrive out of order: only an action newer than what the item shows moves it.
    if changes and (item.updated_at is None or change.at >= item.updated_at):
        WorkItem.objects.filter(pk=item.pk).update(
            status=change.to_name[:200],
            status_id=change.to_id,
            status_category=categories.get(change.to_id, "todo"),
            updated_at=change.at,
        )
    resolve_statuses(data_source=data_source, guess=mapping.default_category, derive_for=touched)
