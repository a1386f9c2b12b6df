"""The KPI report in Chromium: reached from the dashboard, its printed charts shown under the
page's CSP, a period picked, the PDF downloaded, and axe finds no serious violation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accord.engagements.models import Engagement
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


def test_vendor_lead_previews_the_kpi_report_and_downloads_the_pdf(
    page: Page, demo: dict[str, Any], problems: PageProblems, axe_source: str
) -> None:
    # given Vistula's lead on their engagement's KPI dashboard
    engagement = Engagement.objects.get(slug="mobile-banking-app")
    log_in(page, "vistula.lead")
    page.goto(f"/kpis/{engagement.slug}/")
    # when they open the report
    page.get_by_role("link", name="Report").click()
    page.wait_for_url(f"**/kpis/{engagement.slug}/report/")
    # then every KPI is summed up and charted with the SVG drawn on the server
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    expect(page.locator("table.summary tbody tr")).to_have_count(9)
    expect(page.locator("section.kpi figure svg").first).to_be_visible()
    save_screenshot(page, "metrics-kpi-report")
    blocking = [v for v in axe_violations(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)

    # when they pick the first half of 2026
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To (inclusive)", exact=True).fill("2026-06-30")
    page.get_by_role("button", name="Show").click()
    # then the report covers it, and the PDF of the same days downloads
    expect(page.locator("header")).to_contain_text("1 Jan 2026 to 30 Jun 2026")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename.startswith(f"{engagement.slug}-kpis-")
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    problems.assert_none()
