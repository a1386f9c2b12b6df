"""A manager connects GitHub and Jira by file, maps an unmapped status, and both sides read the
same records; the vendor lead never sees the webhook secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import PageProblems, log_in, save_screenshot
from tests.samples import sample_data_dir

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DATA = sample_data_dir()
PULLS = DATA / "github" / "panjf2000-ants-pulls.json"
ENGAGEMENT = "/engagements/mobile-banking-app/"


def _add_source(page: Page, kind: str, name: str) -> None:
    page.goto(ENGAGEMENT)
    page.get_by_role("link", name="Add a data source").click()
    page.get_by_role("link", name=kind).click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add source").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def _import(page: Page, path: Path) -> None:
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("File to import").set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("Imported into")


def test_a_manager_imports_github_and_jira_files_and_maps_a_status(
    page: Page, demo: dict[str, Any], problems: PageProblems
) -> None:
    # given the manager, on the demo engagement
    log_in(page, "manager")

    # when GitHub pull requests are uploaded into a new GitHub source
    _add_source(page, "GitHub", "Payments GitHub")
    expect(page.get_by_test_id("webhook-url")).to_contain_text("/hooks/github/")
    _import(page, PULLS)

    # then the pull requests are listed, linking back to GitHub
    page.get_by_role("link", name="Pull requests").first.click()
    expect(page.get_by_test_id("pull-requests")).to_contain_text("panjf2000/ants#")
    save_screenshot(page, "delivery-pull-requests")

    # and they download as CSV, every one of them
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV of all pull requests").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("repo,number,title,author,state,")
    numbers = {pull["number"] for pull in json.loads(PULLS.read_text())}  # one is listed twice
    assert csv_text.count("\npanjf2000/ants,") == len(numbers)

    # and once filtered to the merged ones, the download holds only those
    page.get_by_label("State").select_option("merged")
    page.get_by_role("button", name="Filter").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV of the filtered pull requests").click()
    merged = {pull["number"] for pull in json.loads(PULLS.read_text()) if pull["merged_at"]}
    filtered = Path(download.value.path()).read_text(encoding="utf-8")
    assert filtered.count("\npanjf2000/ants,") == len(merged) < len(numbers)

    # when Jira issues are uploaded and an unmapped status is mapped
    _add_source(page, "Jira", "Payments Jira")
    _import(page, DATA / "jira" / "board-8-issues.json")
    unmapped = page.locator('tr[data-unmapped="true"]')
    before = unmapped.count()
    assert before > 0
    unmapped.first.locator("select").select_option("done")
    page.get_by_role("button", name="Save the mapping").click()

    # then one status fewer is unmapped
    expect(page.locator(".alert-success")).to_contain_text("status mapping")
    expect(page.locator('tr[data-unmapped="true"]')).to_have_count(before - 1)
    save_screenshot(page, "delivery-jira-source")
    problems.assert_none()


def test_the_vendor_lead_reads_the_records_but_not_the_secrets(
    page: Page, demo: dict[str, Any], problems: PageProblems
) -> None:
    # given a GitHub source the manager connected
    log_in(page, "manager")
    _add_source(page, "GitHub", "Shared GitHub")
    secret = page.get_by_test_id("webhook-secret").text_content() or ""
    assert secret
    page.context.clear_cookies()

    # when Vistula's lead opens it
    log_in(page, "vistula.lead")
    page.goto(ENGAGEMENT)
    page.get_by_test_id("delivery-links").get_by_role("link", name="Data sources").click()
    page.get_by_role("link", name="Shared GitHub").click()

    # then the settings are there, without secret, token or buttons
    expect(page.get_by_test_id("source-settings")).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_role("button", name="Sync now")).to_have_count(0)
    problems.assert_none()
