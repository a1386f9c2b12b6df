"""POST /api/v1/auth/token/ and Token authentication."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import ApiToken
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _token(client: Client, username: str, password: str):
    return client.post(
        reverse("api-token"),
        {"username": username, "password": password},
        content_type="application/json",
    )


def test_valid_credentials_get_a_token_that_authenticates_api_calls(mark, vistula):
    # given a token for mark
    client = Client()
    response = _token(client, "mark", PASSWORD)
    assert response.status_code == 201
    token = response.json()["token"]
    # when it is sent as Authorization: Token
    listing = Client().get("/api/v1/vendors/", HTTP_AUTHORIZATION=f"Token {token}")
    # then the call is authenticated
    assert listing.status_code == 200
    assert listing.json()["count"] == 1


def test_only_a_digest_of_the_token_is_stored(mark):
    token = _token(Client(), "mark", PASSWORD).json()["token"]
    stored = ApiToken.objects.get(user=mark)
    assert stored.digest != token and token not in stored.digest
    assert stored.digest == ApiToken.digest_of(token)


def test_wrong_credentials_get_400_and_no_token(mark):
    response = _token(Client(), "mark", "nope")
    assert response.status_code == 400
    assert "wrong" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_malformed_json_gets_one_clear_400(mark):
    response = Client().post(reverse("api-token"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_a_missing_field_is_named(mark):
    response = Client().post(
        reverse("api-token"), {"username": "mark"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "password" in response.json()


def test_an_unknown_token_gets_401(vistula):
    response = Client().get("/api/v1/vendors/", HTTP_AUTHORIZATION="Token not-a-token")
    assert response.status_code == 401


def test_anonymous_api_calls_get_401(vistula):
    assert Client().get("/api/v1/vendors/").status_code == 401


def test_a_deactivated_users_token_stops_working(mark, vistula):
    token = _token(Client(), "mark", PASSWORD).json()["token"]
    mark.is_active = False
    mark.save()
    assert Client().get("/api/v1/vendors/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 401


def test_token_requests_lock_out_after_repeated_failures(mark, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(client, "mark", "nope")
    assert _token(client, "mark", PASSWORD).status_code in (400, 429)
    assert not ApiToken.objects.exists()
