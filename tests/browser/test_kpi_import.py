"""The KPI import page in Chromium: a manager imports survey responses, a bad file is refused
with its row and column and nothing written, and axe finds no serious violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accord.metrics.models import SurveyResponse
from tests.browser.support import (
    BLOCKING_IMPACTS,
    PageProblems,
    axe_violations,
    describe_violations,
    log_in,
    save_screenshot,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_imports_survey_responses_and_sees_a_bad_row_named(
    page: Page, demo: dict[str, Any], problems: PageProblems, axe_source: str, tmp_path: Path
) -> None:
    # given the manager on the demo engagement's import page
    good = tmp_path / "answers.csv"
    good.write_text("kind,score,responded at,respondent\ncsat,5,2026-03-02,browser-1\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,score,responded at\nnps,12,2026-03-02\n")
    before = SurveyResponse.objects.count()
    log_in(page, "manager")
    page.goto("/kpis/mobile-banking-app/import/")
    save_screenshot(page, "kpi-import")
    blocking = [v for v in axe_violations(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)
    # when a file with a score out of range is imported
    page.get_by_label("What the file holds").select_option(label="Survey responses")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    # then the page names the row and column, and nothing was written
    expect(page.locator("form[enctype]")).to_contain_text("Row 2, column “score”")
    save_screenshot(page, "kpi-import-refused")
    assert SurveyResponse.objects.count() == before
    # when a good file is imported
    page.get_by_label("What the file holds").select_option(label="Survey responses")
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    # then it says what it did
    expect(page.locator("body")).to_contain_text("Survey responses imported: 1 created")
    save_screenshot(page, "kpi-import-done")
    assert SurveyResponse.objects.count() == before + 1
    problems.assert_none()
