"""`accord import` and `accord sync` from the command line: the summary (created, updated,
unchanged, skipped with reasons), one sentence and a non-zero exit on a bad file, and a progress
bar on a terminal (none when the output is not one)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from accord.cli import main
from accord.delivery import cli as delivery_cli
from accord.delivery.models import DataSource, WorkItem
from accord.delivery.tests.fakeserver import FakeServer, Reply
from accord.delivery.tests.test_csv_import import GOOD
from accord.delivery.tests.test_jira_sync import (
    EE1_CHANGELOG,
    SEARCH,
    SPRINTS,
    changelog_page,
    load,
    search_page,
    sprint_page,
)

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    """Standard error as a person's terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch) -> Terminal:
    screen = Terminal()
    monkeypatch.setattr(delivery_cli, "terminal", lambda: screen)
    return screen


def _csv(tmp_path: Path, text: str | bytes = GOOD) -> Path:
    path = tmp_path / "items.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _import(path: Path, slug: str):
    return CliRunner().invoke(
        main, ["import", "csv", str(path), "--engagement", slug, "--zone", "Europe/Berlin"]
    )


def test_an_import_prints_its_summary_and_a_second_one_changes_nothing(
    vistula_engagement, tmp_path
):
    # when
    first = _import(_csv(tmp_path), vistula_engagement.slug)
    second = _import(_csv(tmp_path), vistula_engagement.slug)

    # then
    assert first.exit_code == 0, first.output
    assert "work items: 5 created, 0 updated, 0 unchanged, 0 skipped" in first.output
    assert "work items: 0 created, 0 updated, 5 unchanged, 0 skipped" in second.output
    assert WorkItem.objects.count() == 5


def test_a_bad_file_is_one_sentence_a_non_zero_exit_and_nothing_written(
    vistula_engagement, tmp_path
):
    # when
    result = _import(_csv(tmp_path, "key,title\nA-1,x\n".encode("utf-16")), vistula_engagement.slug)

    # then
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: items.csv is not UTF-8 text")
    assert error.endswith("Nothing was written.") and "Traceback" not in result.output
    assert not WorkItem.objects.exists()


def test_on_a_terminal_an_import_shows_a_progress_bar_counting_records(
    vistula_engagement, tmp_path, terminal
):
    # when
    result = _import(_csv(tmp_path), vistula_engagement.slug)

    # then
    assert result.exit_code == 0, result.output
    screen = terminal.getvalue()
    assert "Importing into CSV, records written" in screen and "[" in screen
    # the count of records written (items and their status changes) moves up to the last one
    counts = [int(n) for n in re.findall(r"\]\s+(\d+)", screen)]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] >= 5


def test_without_a_terminal_there_is_no_progress_bar(vistula_engagement, tmp_path, monkeypatch):
    # given
    monkeypatch.setattr(delivery_cli, "terminal", lambda: None)

    # when
    result = _import(_csv(tmp_path), vistula_engagement.slug)

    # then
    assert "records written" not in result.output


def test_a_sync_from_the_command_line_shows_progress_and_its_summary(vistula_engagement, terminal):
    # given
    with FakeServer() as jira:
        jira.route("GET", SEARCH, search_page)
        jira.route("GET", EE1_CHANGELOG, changelog_page)
        jira.route("GET", SPRINTS, sprint_page)
        jira.route("GET", "/rest/api/3/status", Reply(200, json=load("statuses.json")))
        DataSource.objects.create(
            engagement=vistula_engagement,
            kind="jira",
            name="Jira",
            username="lena",
            token="t",
            scope={"base_url": jira.url, "project_keys": ["EE"], "board_id": 8},
        )

        # when
        result = CliRunner().invoke(main, ["sync", vistula_engagement.slug])

    # then
    assert result.exit_code == 0, result.output
    assert "Jira (Jira): ok" in result.output
    assert "work items: 30 created" in result.output
    assert "Syncing Jira, records written" in terminal.getvalue()
