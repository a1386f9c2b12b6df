"""The webhook URLs, /hooks/<kind>/<source>: each service's signature checked on the raw body
before anything is stored (valid, invalid, missing, replayed), a source of another kind or none
at all answering 404, and Trello's HEAD check and URL-bound signature."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accord.delivery.connectors.github import webhooks as github
from accord.delivery.connectors.jira import webhooks as jira
from accord.delivery.connectors.trello import webhooks as trello
from accord.delivery.models import DataSource, WebhookDelivery
from accord.delivery.tests.ui_records import source
from conftest import logged_in

pytestmark = pytest.mark.django_db

SECRET = "shared-webhook-secret"
BODY = json.dumps({"action": {"id": "5f1a2b3c4d5e6f7a8b9c0d1e", "type": "commentCard"}}).encode()


@pytest.fixture
def sources(vistula_engagement) -> dict[str, DataSource]:
    return {
        kind: source(vistula_engagement, kind=kind, name=kind, webhook_secret=SECRET)
        for kind in ("github", "trello", "jira", "csv")
    }


def _signed(kind: str, src: DataSource, body: bytes = BODY, delivery: str = "d-1") -> dict:
    """Headers (as Django test-client keywords) that the service would send."""
    if kind == "github":
        return {
            "HTTP_X_HUB_SIGNATURE_256": github.signature(SECRET, body),
            "HTTP_X_GITHUB_DELIVERY": delivery,
            "HTTP_X_GITHUB_EVENT": "ping",
        }
    if kind == "jira":
        return {
            "HTTP_X_HUB_SIGNATURE": jira.signature(SECRET, body),
            "HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": delivery,
        }
    url = f"http://testserver/hooks/trello/{src.pk}"
    return {"HTTP_X_TRELLO_WEBHOOK": trello.signature(SECRET, body, url)}


def _post(kind: str, src: DataSource, body: bytes = BODY, **headers: str):
    return Client().post(
        f"/hooks/{kind}/{src.pk}", body, content_type="application/json", **headers
    )


@pytest.mark.parametrize("kind", ["github", "trello", "jira"])
def test_a_signed_delivery_is_stored_once_and_a_replay_is_acknowledged(
    kind, sources, django_capture_on_commit_callbacks
):
    # given
    src = sources[kind]

    # when
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = _post(kind, src, **_signed(kind, src))
        replay = _post(kind, src, **_signed(kind, src))

    # then
    assert (first.status_code, first.json()["status"]) == (202, "queued")
    assert (replay.status_code, replay.json()["status"]) == (200, "already received")
    assert WebhookDelivery.objects.filter(data_source=src).count() == 1
    assert len(queued) == 1


@pytest.mark.parametrize("kind", ["github", "trello", "jira"])
def test_a_wrong_or_missing_signature_gets_401_and_stores_nothing(kind, sources):
    # given
    src = sources[kind]
    tampered = _signed(kind, src, body=BODY + b" ")

    # when
    wrong = _post(kind, src, **tampered)
    missing = _post(kind, src)

    # then
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert not WebhookDelivery.objects.exists()


def test_trello_s_signature_covers_the_hooks_url_not_an_older_one(sources):
    # given a body signed for the URL Accord used to show
    src = sources["trello"]
    old = trello.signature(SECRET, BODY, f"http://testserver/delivery/hooks/{src.pk}/")

    # when
    response = _post("trello", src, HTTP_X_TRELLO_WEBHOOK=old)

    # then
    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("kind", "owner"), [("jira", "github"), ("github", "trello"), ("trello", "jira")]
)
def test_a_source_posted_to_under_another_kind_answers_404(kind, owner, sources):
    # given a delivery correctly signed for the source's own service
    src = sources[owner]

    # when it arrives at another service's URL
    response = _post(kind, src, **_signed(owner, src))

    # then
    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_unknown_sources_and_file_only_kinds_answer_404(sources):
    assert _post("jira", sources["csv"]).status_code == 404
    assert (
        Client().post("/hooks/github/999999", BODY, content_type="application/json").status_code
        == 404
    )
    csv_url = f"/hooks/csv/{sources['csv'].pk}"
    assert Client().post(csv_url, BODY, content_type="application/json").status_code == 404


def test_trello_s_head_check_answers_200_and_get_is_refused(sources):
    src = sources["trello"]
    assert Client().head(f"/hooks/trello/{src.pk}").status_code == 200
    assert Client().get(f"/hooks/trello/{src.pk}").status_code == 405
    assert Client().head(f"/hooks/github/{src.pk}").status_code == 404


@pytest.mark.parametrize("kind", ["github", "trello", "jira"])
def test_the_source_page_shows_the_url_its_service_must_call(kind, sources, mark):
    # given
    src = sources[kind]

    # when
    page = (
        logged_in(mark)
        .get(f"/delivery/engagements/{src.engagement.slug}/sources/{src.pk}/")
        .content.decode()
    )

    # then
    assert f"http://testserver/hooks/{kind}/{src.pk}<" in page
