"""Incremental Trello sync: the board's lists, cards and members, then its card actions since the
watermark, committed page by page.

The watermark is the id of the newest action applied (Trello's `since` takes an action id, so
nothing is read twice and nothing is skipped). Trello pages actions newest first by `before`, so
the cards come first: every run writes the board's lists and cards (one request each, always the
current state) in one transaction, and then each page of actions in its own transaction with the
run's cursor (the next `before`). A page's moves are stored per action, keyed on the action's id;
a card's facts (started, done, cycle time) are derived again from all its stored moves whenever
a page brings one, and its creation time is corrected when the page holding its creation
arrives, so the pages may land in any order and a run killed half-way loses nothing: the next
run writes the board again and goes on from the page after the last one committed. The
watermark moves only when the last page is in.
"""

from __future__ import annotations

import datetime as dt
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


def _resumable(data_source: DataSource, run: SyncRun | None, since: str) -> dict[str, Any]:
    """The cursor to resume from: this run's, else the latest stopped run's from this watermark."""
    candidates = [run.cursor] if run is not None and run.cursor else []
    stopped = (
        SyncRun.objects.filter(
            data_source=data_source, trigger=SyncRun.Trigger.SYNC, status__in=STOPPED
        )
        .exclude(cursor={})
        .order_by("-created_at", "-id")
        .values_list("cursor", flat=True)
        .first()
    )
    if stopped:
        candidates.append(stopped)
    for cursor in candidates:
        if isinstance(cursor, dict) and cursor.get("since", "") == since:
            return dict(cursor)
    return {}


def sync(
    *,
    data_source: DataSource,
    summary: ImportSummary,
    run: SyncRun | None = None,
    client: TrelloClient | None = None,
) -> None:
    """Write the board's lists and cards, then its new card actions page by page; resumable."""
    board_id = str((data_source.scope or {}).get("board_id") or "")
    if not board_id:
        raise TrelloNotConfigured(f"{data_source.name}: set the Trello board id to sync.")
    since = str((data_source.watermark or {}).get("since") or "")
    cursor = _resumable(data_source, run, since) or {"since": since}
    resumed = "before" in cursor
    # A cursor saved before pages were written holds fetched actions that were never applied.
    pending: list[Any] = list(cursor.pop("actions", None) or [])
    client = client or client_for(data_source)
    with client:
        try:
            document = {
                "lists": client.lists(board_id),
                "cards": client.cards(board_id),
                "members": client.members(board_id),
            }
            name = f"Trello board {board_id}"
            board = importer.parse_document(document, name)
            with transaction.atomic():
                importer.apply_board(data_source=data_source, board=board, summary=summary)
                save_progress(run=run, cursor=cursor, summary=summary)
            if pending:
                cursor = _write_page(data_source, board, name, pending, cursor, summary, run)
            if not cursor.get("complete"):
                pages = client.actions(
                    board_id, since=since or None, before=cursor.get("before") or None
                )
                for page in pages:
                    cursor = {**cursor, "before": page.next or "", "complete": page.next is None}
                    cursor = _write_page(data_source, board, name, page.items, cursor, summary, run)
        except HttpError as exc:
            raise ImportFailed(f"{exc} The next sync resumes from here.") from exc
    with transaction.atomic():
        _finish(data_source, str(cursor.get("newest") or since), run)
    if resumed:
        summary.notes.append("Resumed from where the previous sync stopped.")
    count = int(cursor.get("count") or 0)
    summary.notes.append(
        f"{count} new card actions"
        + (f" since action {since}." if since else "; first sync of this board.")
    )
    if not since:
        earliest = cursor.get("earliest")
        seen = mapping.Board(
            has_actions=True,
            action_count=count,
            earliest_action=dt.datetime.fromisoformat(earliest) if earliest else None,
        )
        summary.notes.extend(importer.history_notes(seen)[:1])


def _write_page(
    data_source: DataSource,
    board: mapping.Board,
    name: str,
    actions: list[Any],
    cursor: dict[str, Any],
    summary: ImportSummary,
    run: SyncRun | None,
) -> dict[str, Any]:
    """Apply one page of actions with the cards they touch, and commit it with the cursor."""
    page = importer.parse_document({"lists": [], "cards": [], "actions": actions}, name)
    touched = {c.card_id for c in page.changes.values()} | set(page.creations)
    page.lists = dict(board.lists)
    page.cards = {card_id: board.cards[card_id] for card_id in touched if card_id in board.cards}
    page.members = {**board.members, **page.members}
    following = {**cursor, **_seen(cursor, actions, page)}
    # The cards were counted when the board was written; a page only corrects their creation
    # times, so only its moves and skips count.
    scratch = ImportSummary()
    with transaction.atomic():
        importer.apply_board(data_source=data_source, board=page, summary=scratch)
        for kind, counts in scratch.counts.items():
            if kind != "work_items":
                summary.add(kind, counts)
        summary.skipped.extend(scratch.skipped)
        summary.notes.extend(note for note in scratch.notes if note not in summary.notes)
        save_progress(run=run, cursor=following, summary=summary)
    return following


def _seen(cursor: dict[str, Any], actions: list[Any], page: mapping.Board) -> dict[str, Any]:
    """The cursor's running totals after a page: newest action id, action count, earliest."""
    ids = [str(a.get("id")) for a in actions if isinstance(a, dict) and a.get("id")]
    ids = [i for i in ids if mapping.OBJECT_ID.match(i)]
    newest = max([*ids, str(cursor.get("newest") or "")])
    earliest = cursor.get("earliest")
    if page.earliest_action is not None:
        known = dt.datetime.fromisoformat(earliest) if earliest else None
        if known is None or page.earliest_action < known:
            earliest = page.earliest_action.isoformat()
    return {
        "newest": newest,
        "count": int(cursor.get("count") or 0) + len(actions),
        "earliest": earliest,
    }


def _finish(data_source: DataSource, newest: str, run: SyncRun | None) -> None:
    """Move the watermark and drop the cursors this run used up, together."""
    data_source.watermark = {**(data_source.watermark or {}), "since": newest}
    data_source.save(update_fields=["watermark"])
    # What stopped runs fetched is written now; their cursors must not be resumed again.
    SyncRun.objects.filter(data_source=data_source, status__in=STOPPED).exclude(cursor={}).update(
        cursor={}
    )
    if run is not None:
        SyncRun.objects.filter(pk=run.pk).update(cursor={})
        run.cursor = {}
