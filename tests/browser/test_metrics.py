"""The metrics pages in Chromium: vega-embed draws the KPI charts under the page's CSP (no
'unsafe-eval'), a value opens its explanation, and axe finds no serious violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accord.engagements.models import Engagement
from accord.metrics.models import KPI
from accord.metrics.tests.builders import month_start
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


@pytest.fixture
def kpis(demo: dict[str, Any]) -> Engagement:
    """Vistula's demo engagement: months of imported work, surveys and values, nine KPIs."""
    engagement = Engagement.objects.get(slug="mobile-banking-app")
    assert KPI.objects.filter(engagement=engagement, metric_key="throughput").exists()
    return engagement


def _expect_charts_drawn(page: Page, at_least: int) -> None:
    """Every chart placeholder holds an SVG drawn by vega-embed, none failed."""
    count = page.locator("[data-vega-spec-id]").count()
    assert count >= at_least
    expect(page.locator('[data-vega-drawn="done"] svg')).to_have_count(count)
    expect(page.locator('[data-vega-drawn="failed"]')).to_have_count(0)


def _no_serious_violations(page: Page, axe_source: str) -> None:
    blocking = [v for v in axe_violations(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)


def test_manager_sees_kpi_charts_and_opens_a_value_explained(
    page: Page, kpis: Engagement, problems: PageProblems, axe_source: str
) -> None:
    # given the demo's KPIs with months of history
    log_in(page, "manager")
    # when the manager opens the engagement's KPI dashboard
    page.goto(f"/kpis/{kpis.slug}/")
    # then each KPI has a card with its status and a sparkline, and a trend chart: all drawn
    cards = page.get_by_test_id("kpi-cards")
    expect(cards).to_contain_text("Throughput")
    expect(cards.get_by_test_id("kpi-period").first).to_have_text(f"{month_start(1):%b %Y}")
    expect(cards).to_contain_text("Cycle time (p50)")
    expect(cards).to_contain_text("Net promoter score")
    _expect_charts_drawn(page, 4)
    throughput = KPI.objects.get(engagement=kpis, metric_key="throughput")
    # the trend names the target and threshold rules for screen readers
    trend = page.locator(f"#trend-{throughput.pk} svg")
    expect(trend.locator('[aria-label^="Target: "]')).to_have_count(1)
    expect(trend.locator('[aria-label^="Warning threshold: "]')).to_have_count(1)
    save_screenshot(page, "metrics-kpi-dashboard")
    _no_serious_violations(page, axe_source)

    # when the manager opens last month's point of the throughput trend
    last_month = month_start(1)
    label = f"{last_month:%b %Y}: "
    page.locator(f'#trend-{throughput.pk} svg [aria-label^="{label}"]').click()
    # then the explain page shows the formula, the items counted and the trend
    page.wait_for_url("**/metrics/throughput/**")
    expect(page.get_by_test_id("formula")).to_contain_text("done")
    expect(page.get_by_test_id("period-label")).to_contain_text(f"{last_month:%b %Y}")
    expect(page.get_by_test_id("counted-items").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("kpi-status")).to_be_visible()
    _expect_charts_drawn(page, 1)
    save_screenshot(page, "metrics-explain")
    _no_serious_violations(page, axe_source)
    problems.assert_none()


def test_vendor_lead_reads_all_metrics_and_the_portfolio(
    page: Page, kpis: Engagement, problems: PageProblems, axe_source: str
) -> None:
    # given Vistula's lead
    log_in(page, "vistula.lead")
    # when they open every metric of their engagement for last month
    page.goto(f"/kpis/{kpis.slug}/metrics/?kind=month&at={month_start(1).date()}")
    # then throughput counts that month's items and DORA says "no data"
    expect(page.locator('[data-metric="throughput"]')).to_have_text(re.compile(r"^\d+ items"))
    expect(page.locator('[data-metric="change_failure_rate"]')).to_contain_text("no data")
    save_screenshot(page, "metrics-all")
    _no_serious_violations(page, axe_source)
    # and the portfolio shows only their own engagement
    page.goto("/kpis/")
    portfolio = page.get_by_test_id("portfolio")
    expect(portfolio).to_contain_text("Mobile banking app")
    expect(portfolio).not_to_contain_text("Payments platform")
    save_screenshot(page, "metrics-portfolio-vendor")
    problems.assert_none()


def test_manager_adds_a_kpi_through_the_form(
    page: Page, kpis: Engagement, problems: PageProblems, axe_source: str
) -> None:
    # given the manager on the KPI dashboard
    log_in(page, "manager")
    page.goto(f"/kpis/{kpis.slug}/")
    # when they add a weekly KPI on PR pickup time for Vistula's own work
    page.get_by_role("link", name="Add a KPI").click()
    page.get_by_label("Metric").select_option("pr_pickup_p50_hours")
    page.get_by_label("Name").fill("Review pickup")
    page.get_by_label("Target").fill("8")
    page.get_by_label("Warning threshold").fill("24")
    page.get_by_label("Measured per").select_option("week")
    page.get_by_label("Whose work").select_option(label="Vistula Software House")
    save_screenshot(page, "metrics-kpi-form")
    _no_serious_violations(page, axe_source)
    page.get_by_role("button", name="Add the KPI").click()
    # then the dashboard says so and shows the new KPI's card
    expect(page.locator(".alert-success")).to_contain_text("Review pickup")
    card = page.get_by_test_id("kpi-cards").locator("section", has_text="Review pickup")
    expect(card).to_contain_text("Target 8.0 h")
    expect(card).to_contain_text("Vistula Software House")
    problems.assert_none()
