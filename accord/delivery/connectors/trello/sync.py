"""Incremental Trello sync: card actions since the watermark, then the board's lists and cards.

The watermark is the id of the newest action applied (Trello's `since` takes an action id, so
nothing is read twice and nothing is skipped). Actions are paged newest first by `before`; after
each page the actions fetched so far and the next `before` are committed in `run.cursor`, so a
run that fails or is killed leaves them for its successor, which goes on from the next page
instead of fetching again. The records are written once every page is in, in one transaction
with the watermark: a card's moves are derived from all its actions together, and the pages
come newest first.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.runs import save_progress
from accord.delivery.connectors.http import HttpError
from accord.delivery.connectors.trello import importer, mapping
from accord.delivery.connectors.trello.client import TrelloClient, TrelloNotConfigured, client_for
from accord.delivery.models import DataSource, SyncRun, SyncRunStatus

# Runs that stopped before the end and may have left a cursor to resume from.
STOPPED = (SyncRunStatus.FAILED, SyncRunStatus.INTERRUPTED)
ACTION_KEYS = ("id", "type", "date", "idMemberCreator", "memberCreator")
DATA_KEYS = ("card", "list", "listBefore", "listAfter", "old")


def compact(action: Any) -> Any:
    """The parts of an action the importer reads, so a stored cursor stays small."""
    if not isinstance(action, dict):
        return action
    kept = {key: action[key] for key in ACTION_KEYS if key in action}
    data = action.get("data")
    if isinstance(data, dict):
        kept["data"] = {key: data[key] for key in DATA_KEYS if key in data}
        old = kept["data"].get("old")
        if isinstance(old, dict):
            kept["data"]["old"] = {k: v for k, v in old.items() if k in ("closed", "idList")}
    else:
        kept["data"] = data
    return kept


def _resumable(data_source: DataSource, run: SyncRun | None, since: str) -> dict[str, Any]:
    """The cursor to resume from: this run's, else the latest failed run's from this watermark."""
    candidates = [run.cursor] if run is not None and run.cursor else []
    failed = (
        SyncRun.objects.filter(
            data_source=data_source, trigger=SyncRun.Trigger.SYNC, status__in=STOPPED
        )
        .exclude(cursor={})
        .order_by("-created_at", "-id")
        .values_list("cursor", flat=True)
        .first()
    )
    if failed:
        candidates.append(failed)
    for cursor in candidates:
        if isinstance(cursor, dict) and cursor.get("since", "") == since:
            return cursor
    return {}


def sync(
    *,
    data_source: DataSource,
    summary: ImportSummary,
    run: SyncRun | None = None,
    client: TrelloClient | None = None,
) -> None:
    """Pull the board's new card actions, lists and cards, and apply them in one go."""
    board_id = str((data_source.scope or {}).get("board_id") or "")
    if not board_id:
        raise TrelloNotConfigured(f"{data_source.name}: set the Trello board id to sync.")
    since = str((data_source.watermark or {}).get("since") or "")
    cursor = _resumable(data_source, run, since)
    actions: list[Any] = list(cursor.get("actions") or [])
    resumed = bool(cursor)
    client = client or client_for(data_source)
    with client:
        try:
            if not cursor.get("complete"):
                pages = client.actions(
                    board_id, since=since or None, before=cursor.get("before") or None
                )
                for page in pages:
                    actions.extend(compact(action) for action in page.items)
                    cursor = {
                        "since": since,
                        "before": page.next or "",
                        "complete": page.next is None,
                        "actions": actions,
                    }
                    with transaction.atomic():
                        save_progress(run=run, cursor=cursor)
            lists = client.lists(board_id)
            cards = client.cards(board_id)
        except HttpError as exc:
            raise ImportFailed(f"{exc} The next sync resumes from here.") from exc
    document = {"lists": lists, "cards": cards, "actions": actions}
    board = importer.parse_document(document, f"Trello board {board_id}")
    with transaction.atomic():
        _apply(data_source, board, actions, since, summary)
    if run is not None:
        run.cursor = {}
    if resumed:
        summary.notes.append("Resumed from where the previous sync stopped.")
    summary.notes.append(
        f"{len(actions)} new card actions"
        + (f" since action {since}." if since else "; first sync of this board.")
    )
    if not since:
        summary.notes.extend(importer.history_notes(board)[:1])


def _apply(
    data_source: DataSource,
    board: mapping.Board,
    actions: list[Any],
    since: str,
    summary: ImportSummary,
) -> None:
    """Write the board, move the watermark and drop the cursors it used up, all at once."""
    importer.apply_board(data_source=data_source, board=board, summary=summary)
    newest = _newest(actions) or since
    data_source.watermark = {**(data_source.watermark or {}), "since": newest}
    data_source.save(update_fields=["watermark"])
    # What stopped runs fetched is applied now; their cursors must not be resumed again.
    SyncRun.objects.filter(data_source=data_source, status__in=STOPPED).exclude(cursor={}).update(
        cursor={}
    )


def _newest(actions: list[Any]) -> str:
    """The id of the newest action (ids start with their creation time, so they sort by it)."""
    ids = [str(a.get("id")) for a in actions if isinstance(a, dict) and a.get("id")]
    ids = [i for i in ids if mapping.OBJECT_ID.match(i)]
    return max(ids) if ids else ""
