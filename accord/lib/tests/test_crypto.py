"""Secrets are encrypted at rest and readable only with the key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from accord.delivery.models import DataSource
from accord.lib import crypto

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_encrypted_and_read_back_plain(vistula_engagement):
    # given a data source with an API token
    source = DataSource.objects.create(
        engagement=vistula_engagement, kind="jira", name="Jira", token="jira-api-token-1234"
    )
    # when the raw column is read
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT token, webhook_secret FROM delivery_datasource WHERE id = %s", [source.pk]
        )
        raw_token, raw_secret = cursor.fetchone()
    # then it holds ciphertext, and the model gives the plain value back
    assert "jira-api-token-1234" not in raw_token
    assert DataSource.objects.get(pk=source.pk).token == "jira-api-token-1234"
    assert source.token_hint == "…1234"
    assert raw_secret != DataSource.objects.get(pk=source.pk).webhook_secret


def test_a_configured_key_list_rotates(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ENCRYPTION_KEY = old
    stored = crypto.encrypt("s3cret")
    settings.ENCRYPTION_KEY = f"{new},{old}"
    assert crypto.decrypt(stored) == "s3cret"
    settings.ENCRYPTION_KEY = new
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(stored)


def test_a_malformed_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")
