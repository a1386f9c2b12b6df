"""Trello webhooks: signatures (valid, invalid, missing, replayed) and applying one action."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from accord.delivery.actions import ImportSummary
from accord.delivery.actions.sources import (
    WebhookRefused,
    process_pending_webhooks,
    receive_webhook,
)
from accord.delivery.connectors.trello import importer, webhooks
from accord.delivery.models import DataSource, StatusChange, WebhookDelivery, WorkItem
from accord.engagements.models import Engagement

EXPORT_PATH = Path(__file__).parent / "data" / "trello-board-export.json"
EXPORT = json.loads(EXPORT_PATH.read_text())
CALLBACK = "https://accord.example.org/hooks/trello/7"
SECRET = "trello-app-secret-0123456789abcdef"


def action(action_id: str, date: str, card: str, before: str, after: str) -> dict[str, Any]:
    lists = {item["name"]: item["id"] for item in EXPORT["lists"]}
    return {
        "action": {
            "id": action_id,
            "idMemberCreator": "6402b2c29c6e3811e534618d",
            "type": "updateCard",
            "date": date,
            "data": {
                "card": {"id": card, "idList": lists[after], "name": "[Example task]"},
                "old": {"idList": lists[before]},
                "listBefore": {"id": lists[before], "name": before},
                "listAfter": {"id": lists[after], "name": after},
                "board": {"id": EXPORT["id"], "name": EXPORT["name"]},
            },
            "memberCreator": {"id": "6402b2c29c6e3811e534618d", "fullName": "Mei Lin"},
        },
        "model": {"id": EXPORT["id"], "name": EXPORT["name"]},
    }


# Card 2u9P8VFa ("[Example task]", in Code Review since 12:47:57.703) moves on to Testing.
REVIEW_CARD = "6402f6413ee115cc0084afdc"
TO_TESTING = action(
    "64033a10aa000000000000b1", "2023-03-04T14:00:00.000Z", REVIEW_CARD, "Code Review", "Testing"
)
TO_DONE = action(
    "64034820aa000000000000b2", "2023-03-04T15:00:00.000Z", REVIEW_CARD, "Testing", "Done 🎉"
)


def sign(body: bytes, url: str = CALLBACK, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode(), body + url.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


@pytest.fixture
def source(vistula_engagement: Engagement) -> DataSource:
    source = DataSource.objects.create(
        engagement=vistula_engagement,
        kind="trello",
        name="Kanban",
        scope={"board_id": EXPORT["id"]},
        webhook_secret=SECRET,
    )
    summary = ImportSummary()
    importer.import_file(data_source=source, path=EXPORT_PATH, summary=summary)
    return source


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


@pytest.mark.django_db
def test_a_valid_signature_over_body_and_callback_url_is_accepted(source: DataSource) -> None:
    body = body_of(TO_TESTING)
    assert webhooks.verify(source, {"X-Trello-Webhook": sign(body)}, body, url=CALLBACK)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "url"),
    [
        ({}, CALLBACK),  # missing
        ({"X-Trello-Webhook": ""}, CALLBACK),
        ({"X-Trello-Webhook": "bm90IGEgc2lnbmF0dXJl"}, CALLBACK),  # invalid
        ({"X-Trello-Webhook": "SIGNED-FOR-ANOTHER-URL"}, CALLBACK),
        ({"X-Trello-Webhook": "SIGNED-WITH-ANOTHER-SECRET"}, CALLBACK),
        ({"X-Trello-Webhook": "SIGNED"}, CALLBACK + "/"),  # not the exact callback URL
    ],
)
def test_a_missing_or_wrong_signature_is_refused(
    source: DataSource, headers: dict[str, str], url: str
) -> None:
    # given
    body = body_of(TO_TESTING)
    replacements = {
        "SIGNED-FOR-ANOTHER-URL": sign(body, url="https://elsewhere.example.org/hook"),
        "SIGNED-WITH-ANOTHER-SECRET": sign(body, secret="not-the-secret"),
        "SIGNED": sign(body),
    }
    headers = {k: replacements.get(v, v) for k, v in headers.items()}
    # then
    assert not webhooks.verify(source, headers, body, url=url)


@pytest.mark.django_db
def test_a_signature_of_another_body_is_refused(source: DataSource) -> None:
    body = body_of(TO_TESTING)
    assert not webhooks.verify(source, {"X-Trello-Webhook": sign(body)}, body + b" ", url=CALLBACK)


@pytest.mark.django_db
def test_the_registered_callback_url_in_scope_is_honoured_behind_a_proxy(
    source: DataSource,
) -> None:
    # given: the request arrived as plain http through a proxy
    source.scope = {**source.scope, "callback_url": CALLBACK}
    body = body_of(TO_TESTING)
    # then
    inside = "http://accord:8000/hooks/trello/7"
    assert webhooks.verify(source, {"x-trello-webhook": sign(body)}, body, url=inside)


@pytest.mark.django_db
def test_delivery_id_is_the_action_id_and_the_event_its_type() -> None:
    assert webhooks.delivery_id({}, TO_TESTING) == "64033a10aa000000000000b1"
    assert webhooks.event_name({}, TO_TESTING) == "updateCard"


@pytest.mark.django_db
def test_a_refused_delivery_stores_nothing(source: DataSource) -> None:
    # given
    body = body_of(TO_TESTING)
    # when
    with pytest.raises(WebhookRefused) as caught:
        receive_webhook(
            data_source=source, headers={"X-Trello-Webhook": "AAAA"}, body=body, url=CALLBACK
        )
    # then
    assert caught.value.status == 401
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_a_replayed_delivery_is_stored_and_processed_once(
    source: DataSource, django_capture_on_commit_callbacks: Any
) -> None:
    # given
    body = body_of(TO_TESTING)
    headers = {"X-Trello-Webhook": sign(body)}
    # when
    with django_capture_on_commit_callbacks(execute=False):
        first, new = receive_webhook(data_source=source, headers=headers, body=body, url=CALLBACK)
        again, new_again = receive_webhook(
            data_source=source, headers=headers, body=body, url=CALLBACK
        )
    process_pending_webhooks(data_source=source)
    # then
    assert (new, new_again) == (True, False)
    assert first.pk == again.pk
    assert WebhookDelivery.objects.get().processed_at is not None
    assert StatusChange.objects.filter(external_id="64033a10aa000000000000b1").count() == 1
    assert process_pending_webhooks(data_source=source) is None


@pytest.mark.django_db
def test_a_move_updates_the_card_and_its_facts(source: DataSource) -> None:
    # when
    for payload in (TO_TESTING, TO_DONE):
        webhooks.process(
            data_source=source, event="updateCard", payload=payload, summary=ImportSummary()
        )
    # then: started at 10:00 (from the export), done at 15:00 by the webhook
    card = WorkItem.objects.get(external_id=REVIEW_CARD)
    assert (card.status, card.status_category) == ("Done 🎉", "done")
    assert (
        card.started_at is not None and card.started_at.isoformat() == "2023-03-04T10:00:00+00:00"
    )
    assert card.done_at is not None and card.done_at.isoformat() == "2023-03-04T15:00:00+00:00"


@pytest.mark.django_db
def test_actions_applied_out_of_order_or_twice_end_the_same(source: DataSource) -> None:
    # when: the later move arrives first, then the earlier one, then both again
    for payload in (TO_DONE, TO_TESTING, TO_DONE, TO_TESTING):
        webhooks.process(
            data_source=source, event="updateCard", payload=payload, summary=ImportSummary()
        )
    # then
    card = WorkItem.objects.get(external_id=REVIEW_CARD)
    assert card.status == "Done 🎉"
    assert card.done_at is not None and card.done_at.isoformat() == "2023-03-04T15:00:00+00:00"
    assert card.status_changes.count() == 4  # two from the export, two from the webhooks


@pytest.mark.django_db
def test_a_card_created_on_the_board_is_added(source: DataSource) -> None:
    # given
    lists = {item["name"]: item["id"] for item in EXPORT["lists"]}
    created = {
        "action": {
            "id": "640aa1b2aa000000000000c1",
            "type": "createCard",
            "date": "2023-03-10T03:00:02.500Z",
            "idMemberCreator": "5c9a1f2e8b7d4a3c2e1f0a9b",
            "data": {
                "card": {
                    "id": "640aa1b2bb000000000000d1",
                    "name": "Hotfix",
                    "idShort": 16,
                    "shortLink": "Hf16Ab2c",
                },
                "list": {"id": lists["Doing"], "name": "Doing"},
                "board": {"id": EXPORT["id"]},
            },
        }
    }
    # when
    webhooks.process(
        data_source=source, event="createCard", payload=created, summary=ImportSummary()
    )
    # then: in progress from creation
    card = WorkItem.objects.get(key="Hf16Ab2c")
    assert (card.title, card.status, card.status_category) == ("Hotfix", "Doing", "in_progress")
    assert card.created_at.isoformat() == "2023-03-10T03:00:02.500000+00:00"
    assert card.started_at == card.created_at


@pytest.mark.django_db
def test_a_malformed_or_irrelevant_action_is_skipped_not_fatal(source: DataSource) -> None:
    # given
    broken = copy.deepcopy(TO_TESTING)
    broken["action"]["date"] = "yesterday"
    comment = {"action": {"id": "a", "type": "commentCard", "data": {"text": "hi"}}}
    summary = ImportSummary()
    payloads: list[dict[str, Any]] = [broken, comment, {"model": {}}]
    # when
    for payload in payloads:
        webhooks.process(data_source=source, event="updateCard", payload=payload, summary=summary)
    # then
    assert [s["reason"] for s in summary.skipped] == [
        "updateCard: 'date' is not a time: 'yesterday' (expected 2023-03-04T12:47:53.834Z)",
        "the delivery has no action",
    ]
    assert WorkItem.objects.get(external_id=REVIEW_CARD).status == "Code Review"
