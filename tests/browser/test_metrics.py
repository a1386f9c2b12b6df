"""The metrics pages in Chromium: vega-embed draws the KPI charts under the page's CSP (no
'unsafe-eval'), a value opens its explanation, and axe finds no serious violation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accord.accounts.models import User
from accord.engagements.models import Engagement
from accord.metrics import actions
from accord.metrics.models import KPI
from accord.metrics.tests.builders import Delivery
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


def _month_start(months_back: int) -> dt.datetime:
    now = timezone.now()
    index = now.year * 12 + now.month - 1 - months_back
    return dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def kpis(demo: dict[str, Any]) -> Engagement:
    """Vistula's demo engagement with six months of done work and two KPIs on it."""
    engagement = Engagement.objects.get(slug="mobile-banking-app")
    manager = User.objects.get(username="manager")
    data = Delivery(engagement, name="Jira")
    for months_back in range(1, 7):
        start = _month_start(months_back)
        for n in range(months_back % 4 + 1):
            data.item(
                f"MB-{months_back}{n}",
                created=start + dt.timedelta(days=1),
                moves=[
                    (start + dt.timedelta(days=2 + n), "In Progress"),
                    (start + dt.timedelta(days=4 + 3 * n), "Done"),
                ],
            )
    data.finish()
    for key, target, threshold in (("throughput", 3, 2), ("cycle_time_p50_hours", 72, 120)):
        actions.define_kpi(
            actor=manager,
            engagement=engagement,
            metric_key=key,
            target=target,
            warning_threshold=threshold,
        )
    actions.recompute_engagement(engagement.pk)
    return engagement


def _expect_charts_drawn(page: Page, count: int) -> None:
    """Every chart placeholder holds an SVG drawn by vega-embed, none failed."""
    charts = page.locator("[data-vega-spec-id]")
    expect(charts).to_have_count(count)
    expect(page.locator('[data-vega-drawn="done"] svg')).to_have_count(count)
    expect(page.locator('[data-vega-drawn="failed"]')).to_have_count(0)


def _no_serious_violations(page: Page, axe_source: str) -> None:
    blocking = [v for v in axe_violations(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)


def test_manager_sees_kpi_charts_and_opens_a_value_explained(
    page: Page, kpis: Engagement, problems: PageProblems, axe_source: str
) -> None:
    # given two KPIs with six months of history
    log_in(page, "manager")
    # when the manager opens the engagement's KPI dashboard
    page.goto(f"/kpis/{kpis.slug}/")
    # then each KPI has a card with its status and a sparkline, and a trend chart: all drawn
    cards = page.get_by_test_id("kpi-cards")
    expect(cards).to_contain_text("Throughput")
    expect(cards.get_by_test_id("kpi-period").first).to_have_text(f"{_month_start(1):%b %Y}")
    expect(cards).to_contain_text("Cycle time (p50)")
    _expect_charts_drawn(page, 4)
    # the trend names the target and threshold rules for screen readers
    trend = page.locator('[data-vega-drawn="done"] svg').nth(2)
    expect(trend.locator('[aria-label^="Target: "]')).to_have_count(1)
    expect(trend.locator('[aria-label^="Warning threshold: "]')).to_have_count(1)
    save_screenshot(page, "metrics-kpi-dashboard")
    _no_serious_violations(page, axe_source)

    # when the manager opens last month's point of the throughput trend
    last_month = _month_start(1)
    label = f"{last_month:%b %Y}: "
    throughput = KPI.objects.get(engagement=kpis, metric_key="throughput")
    page.locator(f'#trend-{throughput.pk} svg [aria-label^="{label}"]').click()
    # then the explain page shows the formula, the items counted and the trend
    page.wait_for_url("**/metrics/throughput/**")
    expect(page.get_by_test_id("formula")).to_contain_text("done")
    expect(page.get_by_test_id("period-label")).to_contain_text(f"{last_month:%b %Y}")
    expect(page.get_by_test_id("counted-items")).to_contain_text("MB-1")
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
    page.goto(f"/kpis/{kpis.slug}/metrics/?kind=month&at={_month_start(1).date()}")
    # then throughput counts that month's items and DORA says "no data"
    expect(page.locator('[data-metric="throughput"]')).to_contain_text("2 items")
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
