"""Jira webhooks: signature check, delivery id, event name, and applying one delivery.

Jira signs the raw body with the webhook's secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256>`.
Each delivery carries `X-Atlassian-Webhook-Identifier`, the same on every retry of it, so a
redelivery is recognised and processed once. Events: jira:issue_created, jira:issue_updated
(with the one changelog entry that caused it), jira:issue_deleted, sprint_started,
sprint_closed (and sprint_created/updated, read the same way).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.connectors.jira.mapping import (
    MappingError,
    map_issue,
    parse_histories,
    sprint_field_ids,
    sprint_from_payload,
)
from accord.delivery.connectors.jira.store import Batch, write_batch
from accord.delivery.models import DataSource

SIGNATURE_HEADER = "x-hub-signature"
DELIVERY_HEADER = "x-atlassian-webhook-identifier"
ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated")
SPRINT_EVENTS = ("sprint_created", "sprint_updated", "sprint_started", "sprint_closed")


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return ""


def signature(secret: str, body: bytes) -> str:
    """The header value Jira sends for `body` signed with `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(data_source: DataSource, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the raw body carries a valid signature made with the source's secret."""
    given = _header(headers, SIGNATURE_HEADER).strip()
    secret = data_source.webhook_secret or ""
    if not given or not secret:
        return False
    return hmac.compare_digest(given.encode(), signature(secret, body).encode())


def delivery_id(headers: Mapping[str, str], payload: Any) -> str:
    """Jira's delivery identifier; without one, a digest of what the event is about."""
    given = _header(headers, DELIVERY_HEADER).strip()
    if given:
        return given
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return "sha256:" + hashlib.sha256(body).hexdigest()[:64]


def event_name(headers: Mapping[str, str], payload: Any) -> str:
    """The event name (`webhookEvent`)."""
    return str(payload.get("webhookEvent") or "") if isinstance(payload, Mapping) else ""


def _event_time(payload: Mapping[str, Any]) -> str:
    stamp = payload.get("timestamp")
    if isinstance(stamp, int | float):
        return dt.datetime.fromtimestamp(stamp / 1000, tz=dt.UTC).isoformat()
    raise MappingError("the delivery has no timestamp (expected milliseconds since 1970)")


def process(*, data_source: DataSource, event: str, payload: Any, summary: ImportSummary) -> None:
    """Apply one delivery; applying it again changes nothing."""
    if not isinstance(payload, Mapping):
        raise ImportFailed(f"Jira {event or 'webhook'} delivery is not a JSON object.")
    batch = Batch()
    try:
        if event in ISSUE_EVENTS:
            issue_payload = payload.get("issue")
            issue = map_issue(issue_payload)
            batch.add_issue(issue)
            changelog = payload.get("changelog")
            if isinstance(changelog, Mapping) and changelog.get("items"):
                # The delivery carries the one history that caused it; merged with the rest.
                history = {
                    "id": changelog.get("id"),
                    "created": _event_time(payload),
                    "author": payload.get("user"),
                    "items": changelog["items"],
                }
                fields = issue_payload.get("fields") if isinstance(issue_payload, Mapping) else {}
                batch.histories[issue.external_id] = parse_histories(
                    [history],
                    what=f"issue {issue.key}",
                    sprint_fields=sprint_field_ids(fields or {}),
                )
        elif event == "jira:issue_deleted":
            issue_payload = payload.get("issue")
            if not isinstance(issue_payload, Mapping) or not issue_payload.get("id"):
                raise MappingError("the deleted issue has no id")
            batch.deleted.add(str(issue_payload["id"]))
        elif event in SPRINT_EVENTS:
            sprint = payload.get("sprint")
            if not isinstance(sprint, Mapping):
                raise MappingError("the delivery has no sprint")
            info = sprint_from_payload(sprint, what=event)
            batch.sprints[info.external_id] = info
        else:
            summary.skip("webhooks", event or "(no event)", "not an event Accord reads")
            return
    except MappingError as exc:
        raise ImportFailed(f"Jira {event} delivery: {exc}.") from None
    write_batch(data_source=data_source, batch=batch, summary=summary)
