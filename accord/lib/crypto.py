"""Encryption at rest for connector credentials and webhook secrets (Fernet: AES-128-CBC + HMAC).

The key is ACCORD_ENCRYPTION_KEY when set (a Fernet key, or several separated by commas to
rotate: the first encrypts, all decrypt); otherwise it is derived from SECRET_KEY with HKDF, so
the embedded mode needs no extra setting. Changing SECRET_KEY without setting
ACCORD_ENCRYPTION_KEY makes stored secrets unreadable, which the README says.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(configured: str, secret_key: str) -> MultiFernet:
    if configured:
        try:
            return MultiFernet(
                [Fernet(k.strip().encode()) for k in configured.split(",") if k.strip()]
            )
        except ValueError:
            raise ImproperlyConfigured(
                "ACCORD_ENCRYPTION_KEY must be one or more Fernet keys separated by commas."
            ) from None
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"accord.secrets", info=b"fernet"
    ).derive(secret_key.encode())
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    return _fernet(getattr(settings, "ENCRYPTION_KEY", ""), settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    """Encrypt a secret for storage."""
    return fernet().encrypt(plain.encode()).decode()


class SecretUnreadable(Exception):
    """A stored secret could not be decrypted (the key changed)."""


def decrypt(token: str) -> str:
    """Decrypt a stored secret."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted; the encryption key changed. Enter it again."
        ) from None


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted in the database and plain in Python."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
