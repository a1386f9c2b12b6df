"""Production settings: refuse to start unsafe, pass Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"


def _django(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "django", *args],
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "accord.config.settings",
            "ACCORD_HOME": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _django(["check"], {"ACCORD_ENV": "production"}, tmp_path)
    assert result.returncode != 0
    assert "ACCORD_SECRET_KEY is required" in result.stderr


def test_production_refuses_to_start_with_debug_on(tmp_path):
    result = _django(
        ["check"],
        {"ACCORD_ENV": "production", "ACCORD_SECRET_KEY": GOOD_KEY, "ACCORD_DEBUG": "1"},
        tmp_path,
    )
    assert result.returncode != 0
    assert "ACCORD_DEBUG must be off" in result.stderr


def test_a_malformed_setting_is_named(tmp_path):
    result = _django(["check"], {"ACCORD_DEBUG": "maybe"}, tmp_path)
    assert result.returncode != 0
    assert "ACCORD_DEBUG='maybe' is not a yes/no value" in result.stderr


def test_the_deployment_checklist_passes_with_production_settings(tmp_path):
    result = _django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "ACCORD_ENV": "production",
            "ACCORD_SECRET_KEY": GOOD_KEY,
            "ACCORD_ALLOWED_HOSTS": "accord.example.com",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_the_embedded_mode_keeps_a_generated_secret_key_private(tmp_path):
    result = _django(["check"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert len(key_file.read_text()) >= 50


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The in-memory test database cannot use WAL; the file database the app uses must.
    assert mode in {"wal", "memory"}
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
    assert "mmap_size=" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
