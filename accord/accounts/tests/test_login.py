"""Logging in: Argon2 hashes, lockout after repeated failures, CSRF, security headers."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from accord.accounts.models import User
from conftest import PASSWORD, logged_in

pytestmark = pytest.mark.django_db

ARGON2 = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def _login(client: Client, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_passwords_are_stored_as_argon2_hashes_in_production_settings():
    from accord.config import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        assert make_password("s3cret-passphrase").startswith("argon2$")


def test_a_manager_logs_in_and_reaches_the_dashboard(mark):
    client = Client()
    response = _login(client, "mark", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(mark):
    response = _login(Client(), "mark", "wrong password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_account_is_locked_after_five_failures_even_with_the_right_password(mark, settings):
    # given five failed attempts from one address
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "mark", "wrong password")
    # when the right password comes next
    response = _login(client, "mark", PASSWORD)
    # then the lockout page answers and no session is made
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_lockout_of_one_user_does_not_lock_out_another(mark, victor, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "mark", "wrong password")
    assert _login(client, "victor", PASSWORD).status_code == 302


def test_a_deactivated_user_cannot_log_in(mark):
    User.objects.filter(pk=mark.pk).update(is_active=False)
    response = _login(Client(), "mark", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session


def test_a_post_without_the_csrf_token_is_refused(mark, client_org):
    # given a logged-in admin whose browser does not send the CSRF token
    client = Client(enforce_csrf_checks=True)
    client.force_login(mark)
    # when a form is posted
    response = client.post(reverse("accounts:logout"))
    # then it is forbidden
    assert response.status_code == 403


def test_pages_carry_a_strict_content_security_policy_and_security_headers(mark):
    response = logged_in(mark).get(reverse("dashboard"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_logout_ends_the_session(mark):
    client = logged_in(mark)
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("dashboard")).status_code == 302
