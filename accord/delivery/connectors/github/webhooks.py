"""GitHub webhooks: signature check on the raw body, delivery id and event, and applying one
stored delivery through the same write path as imports and syncs.

GitHub signs the raw body with the webhook secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`.
`X-GitHub-Delivery` is unique per delivery (a redelivery from GitHub's UI reuses it), so storing
deliveries keyed on it processes each once; process() itself is idempotent too, since it only
upserts by external id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.connectors.github import importer
from accord.delivery.connectors.github.mapping import PayloadError
from accord.delivery.models import DataSource

SIGNATURE_HEADER = "x-hub-signature-256"
DELIVERY_HEADER = "x-github-delivery"
EVENT_HEADER = "x-github-event"
# event → the payload keys holding records, with the kind of each
EVENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "pull_request": (("pull_request", "pull_request"),),
    "pull_request_review": (("pull_request", "pull_request"), ("review", "review")),
    "pull_request_review_comment": (
        ("pull_request", "pull_request"),
        ("comment", "review_comment"),
    ),
    "deployment": (("deployment", "deployment"),),
    "deployment_status": (("deployment", "deployment"), ("deployment_status", "deployment_status")),
    "release": (("release", "release"),),
    "issues": (("issue", "issue"),),
}
# Acknowledged and not applied: commits come from a git source, which has their sizes.
IGNORED = frozenset({"push", "ping"})


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        for key, found in headers.items():
            if key.lower() == name:
                return str(found)
        return ""
    return str(value)


def signature(secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value GitHub sends for `body` signed with `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(data_source: DataSource, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the raw body carries a valid signature made with the source's webhook secret."""
    sent = _header(headers, SIGNATURE_HEADER).strip()
    secret = data_source.webhook_secret or ""
    if not sent.startswith("sha256=") or not secret:
        return False
    return hmac.compare_digest(sent.encode(), signature(secret, body).encode())


def delivery_id(headers: Mapping[str, str], payload: Any) -> str:
    """GitHub's delivery id; without one, a digest of the payload, so a replay still matches."""
    sent = _header(headers, DELIVERY_HEADER).strip()
    if sent:
        return sent
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return "sha256-" + hashlib.sha256(canonical).hexdigest()[:64]


def event_name(headers: Mapping[str, str], payload: Any) -> str:
    """The event GitHub names in X-GitHub-Event (pull_request, release, issues…)."""
    return _header(headers, EVENT_HEADER).strip() or "unknown"


def process(*, data_source: DataSource, event: str, payload: Any, summary: ImportSummary) -> None:
    """Apply one delivery: map the records it carries and upsert them like an import would."""
    if event in IGNORED:
        return
    keys = EVENTS.get(event)
    if keys is None:
        summary.skip("webhooks", event, "an event Accord does not read")
        return
    if not isinstance(payload, dict):
        raise ImportFailed(f"GitHub {event} delivery: the body is not a JSON object.")
    if event == "release" and payload.get("action") == "deleted":
        summary.skip("webhooks", event, "a deleted release is kept as it was")
        return
    batch = importer.Batch()
    for key, kind in keys:
        record = payload.get(key)
        if not isinstance(record, dict):
            raise ImportFailed(f"GitHub {event} delivery: '{key}' is missing or not an object.")
        try:
            batch.add(kind, record, data_source)
        except PayloadError as exc:
            raise ImportFailed(f"GitHub {event} delivery, {key}: {exc}.") from None
    importer.apply_batch(data_source=data_source, batch=batch, summary=summary)
