"""GitHub webhooks: signatures (valid, invalid, missing), replays, and applying each event."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from accord.delivery.actions import ImportFailed, ImportSummary
from accord.delivery.actions.sources import (
    WebhookRefused,
    process_pending_webhooks,
    receive_webhook,
)
from accord.delivery.connectors.github import webhooks
from accord.delivery.models import (
    DataSource,
    Deployment,
    Incident,
    PullRequest,
    PullRequestReview,
    WebhookDelivery,
)
from accord.delivery.tests.github_payloads import (
    deployment,
    deployment_status,
    issue,
    pull,
    reviews_of,
)

UTC = dt.UTC
SECRET = "It's a Secret to Everybody"


@pytest.fixture
def source(vistula_engagement) -> DataSource:
    return DataSource.objects.create(
        engagement=vistula_engagement,
        kind="github",
        name="GitHub",
        webhook_secret=SECRET,
        incident_rule={"labels": ["incident"]},
    )


def signed(body: bytes, event: str, delivery: str, secret: str = SECRET) -> dict[str, str]:
    return {
        "x-hub-signature-256": webhooks.signature(secret, body),
        "x-github-event": event,
        "x-github-delivery": delivery,
        "content-type": "application/json",
    }


def review_event() -> dict[str, Any]:
    # panjf2000's first review of #51, as GitHub delivers it when submitted
    return {
        "action": "submitted",
        "review": reviews_of(51)[0],
        "pull_request": pull(51) | {"additions": 25, "deletions": 8, "changed_files": 2},
        "repository": {"full_name": "panjf2000/ants"},
    }


def test_the_signature_matches_githubs_documented_example():
    # GitHub's docs: secret "It's a Secret to Everybody", body "Hello, World!"
    assert webhooks.signature(SECRET, b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


@pytest.mark.django_db
def test_a_valid_signature_is_accepted_whatever_the_header_case(source):
    body = b"Hello, World!"
    assert webhooks.verify(source, signed(body, "ping", "d-1"), body)
    mixed = {"X-Hub-Signature-256": webhooks.signature(SECRET, body)}
    assert webhooks.verify(source, mixed, body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {"x-hub-signature-256": webhooks.signature("another secret", b"Hello, World!")},
        {"x-hub-signature-256": webhooks.signature(SECRET, b"Hello, World?")},
        {"x-hub-signature-256": "sha256=" + "0" * 64},
        {"x-hub-signature-256": "sha256="},
        {"x-hub-signature": "sha1=0a4d55a8d778e5022fab701977c5d840bbc486d0"},
        {"x-hub-signature-256": "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"},
        {},
    ],
    ids=["wrong-secret", "tampered-body", "zeros", "empty", "sha1-only", "no-prefix", "missing"],
)
def test_a_wrong_or_missing_signature_is_refused(source, headers):
    assert webhooks.verify(source, headers, b"Hello, World!") is False


@pytest.mark.django_db
def test_a_bad_signature_stores_nothing(source):
    body = json.dumps(review_event()).encode()
    headers = signed(body, "pull_request_review", "d-1", secret="not the secret")
    with pytest.raises(WebhookRefused) as refused:
        receive_webhook(data_source=source, headers=headers, body=body, url="http://testserver/")
    assert refused.value.status == 401 and not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_review_event_stores_the_pull_request_its_review_and_the_first_review(source):
    summary = ImportSummary()
    webhooks.process(
        data_source=source, event="pull_request_review", payload=review_event(), summary=summary
    )
    pr = PullRequest.objects.get()
    assert (pr.external_id, pr.additions, pr.changed_files) == ("panjf2000/ants#51", 25, 2)
    review = PullRequestReview.objects.get()
    assert (review.external_id, review.reviewer_login) == ("286687335", "panjf2000")
    # #51 opened 2019-09-11T08:46:23Z by choleraehyq; panjf2000 reviewed at 12:07:36
    assert pr.first_review_at == dt.datetime(2019, 9, 11, 12, 7, 36, tzinfo=UTC)


@pytest.mark.django_db
def test_a_replayed_delivery_is_stored_and_processed_once(source):
    # given the same delivery arrives twice
    body = json.dumps(review_event()).encode()
    headers = signed(body, "pull_request_review", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
    first, is_new = receive_webhook(data_source=source, headers=headers, body=body, url="")
    again, again_new = receive_webhook(data_source=source, headers=headers, body=body, url="")
    # then it is one delivery, processed by one run
    assert (is_new, again_new, first.pk) == (True, False, again.pk)
    assert first.delivery_id == "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert first.event == "pull_request_review"
    run = process_pending_webhooks(data_source=source)
    assert run is not None and run.status == "succeeded", run and run.error
    assert run.counts["pull_requests"]["created"] == 1
    assert process_pending_webhooks(data_source=source) is None
    assert PullRequest.objects.count() == 1 and PullRequestReview.objects.count() == 1


@pytest.mark.django_db
def test_processing_one_payload_twice_changes_nothing(source):
    webhooks.process(
        data_source=source, event="pull_request_review", payload=review_event(),
        summary=ImportSummary(),
    )  # fmt: skip
    again = ImportSummary()
    webhooks.process(
        data_source=source, event="pull_request_review", payload=review_event(), summary=again
    )
    assert {k: (c.created, c.updated) for k, c in again.counts.items()} == {
        "pull_requests": (0, 0),
        "reviews": (0, 0),
    }


@pytest.mark.django_db
def test_deployment_status_and_issue_events_give_an_attributed_incident(source):
    source.deployment_rule = {"environment_pattern": "production"}
    source.save()
    webhooks.process(
        data_source=source,
        event="deployment_status",
        payload={
            "action": "created",
            "deployment": deployment(7, "production", "2026-03-02T10:00:00Z"),
            "deployment_status": deployment_status(71, 7, "success", "2026-03-02T10:06:40Z"),
        },
        summary=ImportSummary(),
    )
    webhooks.process(
        data_source=source,
        event="issues",
        payload={"action": "labeled", "issue": issue(17, ["incident"], "2026-03-04T12:00:00Z")},
        summary=ImportSummary(),
    )
    shipped = Deployment.objects.get()
    assert (shipped.status, shipped.finished_at) == (
        "success",
        dt.datetime(2026, 3, 2, 10, 6, 40, tzinfo=UTC),
    )
    assert Incident.objects.get().deployment == shipped


@pytest.mark.django_db
def test_push_and_unknown_events_write_nothing(source):
    summary = ImportSummary()
    webhooks.process(data_source=source, event="push", payload={"commits": []}, summary=summary)
    webhooks.process(data_source=source, event="star", payload={}, summary=summary)
    assert summary.skipped == [
        {"kind": "webhooks", "record": "star", "reason": "an event Accord does not read"}
    ]
    assert not PullRequest.objects.exists()


@pytest.mark.django_db
def test_a_malformed_payload_fails_with_one_sentence(source):
    bad = review_event()
    bad["pull_request"]["created_at"] = "yesterday"
    with pytest.raises(ImportFailed, match="GitHub pull_request_review delivery, pull_request: "):
        webhooks.process(
            data_source=source, event="pull_request_review", payload=bad, summary=ImportSummary()
        )
    with pytest.raises(ImportFailed, match="'review' is missing"):
        webhooks.process(
            data_source=source,
            event="pull_request_review",
            payload={"pull_request": pull(51)},
            summary=ImportSummary(),
        )


def test_the_delivery_id_comes_from_the_header_or_else_from_the_payload():
    assert webhooks.delivery_id({"X-GitHub-Delivery": "abc"}, {}) == "abc"
    assert webhooks.delivery_id({}, {"a": 1, "b": 2}) == webhooks.delivery_id({}, {"b": 2, "a": 1})
    assert webhooks.event_name({"x-github-event": "release"}, {}) == "release"
