"""Jira webhooks: signatures (valid, invalid, missing), delivery ids, replays, and each event
applied idempotently. Payloads are Jira's webhook envelope around the recorded issues."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.sources import (
    WebhookRefused,
    process_pending_webhooks,
    receive_webhook,
)
from accord.delivery.connectors.jira import webhooks
from accord.delivery.models import (
    DataSource,
    Sprint,
    SprintMembership,
    StatusChange,
    WebhookDelivery,
    WorkItem,
)
from tests.samples import sample_data_dir

DATA = sample_data_dir() / "jira"
UTC = dt.UTC
BOARD = json.loads((DATA / "board-8-issues.json").read_text(encoding="utf-8"))
K5 = json.loads((DATA / "board-93-issues.json").read_text(encoding="utf-8"))


def issue(key: str, board=BOARD) -> dict:
    found = copy.deepcopy(next(i for i in board["issues"] if i["key"] == key))
    found.pop("changelog", None)  # a webhook's issue carries no changelog of its own
    return found


def history(key: str, history_id: str) -> dict:
    raw = next(i for i in BOARD["issues"] if i["key"] == key)
    return next(h for h in raw["changelog"]["histories"] if h["id"] == history_id)


def updated_event(key: str, history_id: str) -> dict:
    entry = history(key, history_id)
    when = dt.datetime.fromisoformat(entry["created"])
    return {
        "timestamp": int(when.timestamp() * 1000),
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": entry["author"],
        "issue": issue(key),
        "changelog": {"id": entry["id"], "items": entry["items"]},
    }


@pytest.fixture
def source(vistula_engagement):
    return DataSource.objects.create(
        engagement=vistula_engagement,
        kind="jira",
        name="Jira",
        webhook_secret="It's a Secret to Everybody",
    )


def signed(source, body: bytes, delivery: str = "d-1") -> dict[str, str]:
    return {
        "X-Hub-Signature": webhooks.signature(source.webhook_secret, body),
        "X-Atlassian-Webhook-Identifier": delivery,
    }


@pytest.mark.django_db
def test_a_body_signed_with_the_source_secret_is_accepted(source):
    body = json.dumps(updated_event("EE-1", "12025")).encode()
    headers = signed(source, body)
    # the published HMAC-SHA256 test vector for this secret
    assert webhooks.signature(source.webhook_secret, b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )
    assert webhooks.verify(source, headers, body)
    assert webhooks.verify(source, {k.lower(): v for k, v in headers.items()}, body)


@pytest.mark.django_db
def test_a_wrong_or_tampered_signature_is_refused(source):
    body = json.dumps(updated_event("EE-1", "12025")).encode()
    headers = signed(source, body)
    assert not webhooks.verify(source, headers, body + b" ")
    other = {**headers, "X-Hub-Signature": webhooks.signature("another secret", body)}
    assert not webhooks.verify(source, other, body)
    assert not webhooks.verify(source, {**headers, "X-Hub-Signature": "sha256=zz"}, body)


@pytest.mark.django_db
def test_a_missing_signature_is_refused(source):
    body = json.dumps(updated_event("EE-1", "12025")).encode()
    assert not webhooks.verify(source, {"X-Atlassian-Webhook-Identifier": "d-1"}, body)
    assert not webhooks.verify(source, {"X-Hub-Signature": ""}, body)


@pytest.mark.django_db
def test_the_delivery_id_comes_from_jira_or_from_the_content(source):
    payload = updated_event("EE-1", "12025")
    assert webhooks.delivery_id({"X-Atlassian-Webhook-Identifier": "abc-1"}, payload) == "abc-1"
    derived = webhooks.delivery_id({}, payload)
    assert derived == webhooks.delivery_id({}, copy.deepcopy(payload)) and derived.startswith(
        "sha256:"
    )
    assert webhooks.event_name({}, payload) == "jira:issue_updated"


@pytest.mark.django_db
def test_a_replayed_delivery_is_stored_and_processed_once(source):
    body = json.dumps(updated_event("EE-1", "12025")).encode()
    headers = signed(source, body, delivery="replayed-1")
    first, is_new = receive_webhook(data_source=source, headers=headers, body=body, url="")
    again, is_new_again = receive_webhook(data_source=source, headers=headers, body=body, url="")
    assert (is_new, is_new_again) == (True, False) and first.pk == again.pk
    assert WebhookDelivery.objects.count() == 1
    with pytest.raises(WebhookRefused):
        receive_webhook(data_source=source, headers={}, body=body, url="")


@pytest.mark.django_db
def test_an_update_adds_its_status_change_and_applying_it_twice_changes_nothing(source):
    # given EE-1 moved Open → Closed on 19 June 2020 at 14:31:18.526 +0800
    payload = updated_event("EE-1", "12025")
    webhooks.process(
        data_source=source, event="jira:issue_updated", payload=payload, summary=ImportSummary()
    )
    change = StatusChange.objects.get()
    assert (change.from_status_id, change.to_status_id, change.external_id) == ("1", "6", "12025")
    assert change.changed_at == dt.datetime(2020, 6, 19, 6, 31, 18, 526000, tzinfo=UTC)
    item = WorkItem.objects.get(key="EE-1")
    # EE-1's own payload embeds "new" for 已完成, and it is the only copy known so far
    assert item.status == "已完成" and item.status_category == "todo"
    # when the same delivery is applied again
    summary = ImportSummary()
    webhooks.process(
        data_source=source, event="jira:issue_updated", payload=payload, summary=summary
    )
    # then nothing changes
    assert (
        summary.counts["work_items"].unchanged == 1
        and summary.counts["status_changes"].unchanged == 1
    )
    assert StatusChange.objects.count() == 1


@pytest.mark.django_db
def test_an_older_delivery_arriving_late_does_not_overwrite_a_newer_one(source):
    newer = updated_event("EE-1", "12025")
    older = copy.deepcopy(newer)
    older["issue"]["fields"]["updated"] = "2020-06-19T14:31:18.526+0800"
    older["issue"]["fields"]["summary"] = "An old title"
    webhooks.process(
        data_source=source, event="jira:issue_updated", payload=newer, summary=ImportSummary()
    )
    summary = ImportSummary()
    webhooks.process(data_source=source, event="jira:issue_updated", payload=older, summary=summary)
    assert WorkItem.objects.get().title != "An old title"
    assert summary.skipped[0]["reason"] == "the stored copy was updated more recently"


@pytest.mark.django_db
def test_a_sprint_field_change_adds_the_item_to_the_sprint(source):
    # EE-1 was put in sprint 7 on 12 June 2020 at 08:29:19.487 +0800
    raw = next(i for i in BOARD["issues"] if i["key"] == "EE-1")
    entry = next(
        h
        for h in raw["changelog"]["histories"]
        if any(it["field"] == "Sprint" for it in h["items"])
    )
    payload = updated_event("EE-1", entry["id"])
    webhooks.process(
        data_source=source, event="jira:issue_updated", payload=payload, summary=ImportSummary()
    )
    membership = SprintMembership.objects.get(work_item__key="EE-1", sprint__external_id="7")
    assert membership.added_at == dt.datetime(2020, 6, 12, 0, 29, 19, 487000, tzinfo=UTC)
    assert membership.in_at_start and membership.in_at_close


@pytest.mark.django_db
def test_created_deleted_and_sprint_events_are_applied(source):
    created = {
        "timestamp": 1657924189026,
        "webhookEvent": "jira:issue_created",
        "issue": issue("K5-2", K5),
    }
    webhooks.process(
        data_source=source, event="jira:issue_created", payload=created, summary=ImportSummary()
    )
    assert WorkItem.objects.get().key == "K5-2"
    sprint = dict(issue("K5-2", K5)["fields"]["customfield_10020"][0])
    sprint["state"] = "closed"
    sprint["completeDate"] = "2022-07-29T22:40:00.000Z"
    webhooks.process(
        data_source=source,
        event="sprint_closed",
        payload={"timestamp": 1659134400000, "webhookEvent": "sprint_closed", "sprint": sprint},
        summary=ImportSummary(),
    )
    closed = Sprint.objects.get(external_id="175")
    assert closed.state == "closed" and closed.complete_at == dt.datetime(
        2022, 7, 29, 22, 40, tzinfo=UTC
    )
    assert SprintMembership.objects.get(sprint=closed).in_at_close
    deleted = {
        "timestamp": 1659134400001,
        "webhookEvent": "jira:issue_deleted",
        "issue": issue("K5-2", K5),
    }
    webhooks.process(
        data_source=source, event="jira:issue_deleted", payload=deleted, summary=ImportSummary()
    )
    assert not WorkItem.objects.exists()


@pytest.mark.django_db
def test_an_event_without_what_it_is_about_fails_with_one_sentence(source):
    with pytest.raises(
        ImportFailed, match=r"^Jira sprint_started delivery: the delivery has no sprint\.$"
    ):
        webhooks.process(
            data_source=source,
            event="sprint_started",
            payload={"webhookEvent": "sprint_started"},
            summary=ImportSummary(),
        )
    summary = ImportSummary()
    webhooks.process(data_source=source, event="comment_created", payload={}, summary=summary)
    assert summary.skipped == [
        {"kind": "webhooks", "record": "comment_created", "reason": "not an event Accord reads"}
    ]


@pytest.mark.django_db
def test_a_stored_delivery_is_applied_by_the_worker_once(source):
    body = json.dumps(updated_event("EE-17", "20833")).encode()
    receive_webhook(data_source=source, headers=signed(source, body, "w-1"), body=body, url="")
    run = process_pending_webhooks(data_source=source)
    assert run is not None and run.status == "succeeded", run.error
    assert WorkItem.objects.get().key == "EE-17" and StatusChange.objects.count() == 1
    assert WebhookDelivery.objects.get().processed_at is not None
    receive_webhook(data_source=source, headers=signed(source, body, "w-1"), body=body, url="")
    assert process_pending_webhooks(data_source=source) is None
