"""`accord selection report`."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from django.utils import timezone

from accord.cli import main
from accord.selection import actions
from accord.selection.models import CommunicationEvent
from accord.selection.tests.conftest import score_all

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_report_command_writes_pdf_and_html_with_the_ranking(
    evaluation, vistula_candidate, deccan_candidate, eve, mark, tmp_path
):
    # given eve scored Deccan above Vistula (Deccan's blockers overridden)
    for flag in deccan_candidate.red_flags.filter(severity="blocker"):
        actions.override_red_flag(actor=mark, flag=flag, reason="Accepted")
    score_all(evaluation, eve, {vistula_candidate: 2, deccan_candidate: 5})

    # when the command writes both files
    pdf, html = tmp_path / "r.pdf", tmp_path / "r.html"
    result = CliRunner().invoke(
        main, ["selection", "report", evaluation.slug, "--pdf", str(pdf), "--html", str(html)]
    )

    # then both exist and the PDF lists Deccan first
    assert result.exit_code == 0, result.output
    assert "<svg" in html.read_text()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert text.index("1. Deccan Digital Labs") < text.index("2. Vistula Software House")


def test_an_unknown_slug_is_one_clear_sentence(db, tmp_path):
    result = CliRunner().invoke(main, ["selection", "report", "nope", "--pdf", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "There is no evaluation “nope”" in result.output


def test_a_report_needs_an_output(db):
    result = CliRunner().invoke(main, ["selection", "report", "any"])
    assert result.exit_code == 2
    assert "Give --pdf FILE, --html FILE or both." in result.output


def test_refresh_flags_catches_up_what_time_changed(evaluation, deccan_candidate, mark):
    # given a question unanswered for ten days whose flag was last computed when it was new
    # (stored directly: days passing is what this test is about)
    CommunicationEvent.objects.create(
        candidate=deccan_candidate,
        kind="question",
        subject="Team CVs?",
        occurred_at=timezone.now() - dt.timedelta(days=10),
    )
    assert not deccan_candidate.red_flags.filter(rule="poor_communication").exists()

    # when
    result = CliRunner().invoke(main, ["selection", "refresh-flags"])

    # then
    assert result.exit_code == 0, result.output
    assert f"{evaluation.slug}: " in result.output
    assert deccan_candidate.red_flags.filter(rule="poor_communication").exists()


def test_refresh_flags_refuses_an_unknown_evaluation(db):
    result = CliRunner().invoke(main, ["selection", "refresh-flags", "nope"])
    assert result.exit_code == 1
    assert "There is no evaluation “nope”" in result.output
