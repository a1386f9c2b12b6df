"""The `accord` command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from accord.cli import main

COMMANDS = ["serve", "worker", "demo", "import", "sync", "manage"]


def test_every_command_has_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    for command in COMMANDS[:-1]:
        result = runner.invoke(main, [command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage:" in result.output


def test_manage_help_lists_django_commands(tmp_path):
    env = {**os.environ, "ACCORD_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "manage", "help"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0
    assert "migrate" in result.stdout


def test_a_configuration_error_is_one_sentence_and_a_non_zero_exit(tmp_path):
    env = {**os.environ, "ACCORD_HOME": str(tmp_path), "ACCORD_ENV": "production"}
    env.pop("ACCORD_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "accord.cli", "demo", "--list-users"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "ACCORD_SECRET_KEY is required" in result.stderr


@pytest.mark.django_db
def test_demo_list_users_prints_json_of_every_demo_user(monkeypatch):
    monkeypatch.setenv("ACCORD_DEMO_PASSWORD", "demo-pass-2026-long")
    runner = CliRunner()
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    assert "demo-pass-2026-long" in first.output
    result = runner.invoke(main, ["demo", "--list-users"])
    users = json.loads(result.output)
    assert {u["role"] for u in users} == {
        "admin",
        "manager",
        "evaluator",
        "viewer",
        "vendor_lead",
        "vendor_member",
    }
    assert all(set(u) == {"username", "role", "organization"} for u in users)
    again = runner.invoke(main, ["demo"])
    assert "nothing changed" in again.output
