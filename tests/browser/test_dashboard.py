"""What each side sees on the dashboard after logging in through the form."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accord.vendors.demo import VENDORS
from tests.browser.support import (
    BLOCKING_IMPACTS,
    DOCS_SCREENSHOT,
    PageProblems,
    axe_violations,
    describe_violations,
    docs_screenshot_requested,
    log_in,
    save_screenshot,
)

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized rollback restores seeded rows.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VENDOR_NAMES = [spec["name"] for spec in VENDORS]


def test_manager_sees_both_vendors_engagements_and_the_vendor_list(
    page: Page, demo: dict[str, Any], problems: PageProblems
) -> None:
    # given the demo workspace
    # when the manager logs in
    log_in(page, "manager")

    # then the dashboard shows the engagements of both vendors
    expect(page).to_have_url(page.url.split("/accounts/")[0].rstrip("/") + "/")
    engagements = page.get_by_test_id("dashboard-engagements")
    expect(engagements).to_contain_text("Mobile banking app")
    expect(engagements).to_contain_text("Vistula Software House")
    expect(engagements).to_contain_text("Payments platform modernisation")
    expect(engagements).to_contain_text("Deccan Digital Labs")
    # and every vendor
    vendors = page.get_by_test_id("dashboard-vendors")
    for name in VENDOR_NAMES:
        expect(vendors).to_contain_text(name)
    save_screenshot(page, "manager-dashboard")
    if docs_screenshot_requested():
        page.screenshot(path=str(DOCS_SCREENSHOT), full_page=True)
    problems.assert_none()


def test_vendor_lead_sees_only_their_own_vendors_engagements(
    page: Page, demo: dict[str, Any], problems: PageProblems
) -> None:
    # given the demo workspace
    # when Vistula's delivery lead logs in
    log_in(page, "vistula.lead")

    # then the dashboard shows Vistula's engagement and nothing of any other vendor
    engagements = page.get_by_test_id("dashboard-engagements")
    expect(engagements).to_contain_text("Mobile banking app")
    expect(engagements).not_to_contain_text("Payments platform")
    expect(page.get_by_test_id("dashboard-vendors")).to_contain_text("Vistula Software House")
    html = page.content()
    for name in VENDOR_NAMES:
        if name != "Vistula Software House":
            assert name not in html
    assert "Deccan" not in html
    save_screenshot(page, "vendor_lead-dashboard")
    problems.assert_none()

    # and Deccan's engagement answers 404, as if it did not exist
    response = page.goto("/engagements/payments-platform/")
    assert response is not None
    assert response.status == 404
    assert "Deccan" not in page.content()


def test_dashboard_fits_a_phone_screen(
    page: Page, demo: dict[str, Any], problems: PageProblems, axe_source: str
) -> None:
    # given a phone-sized window
    page.set_viewport_size({"width": 390, "height": 844})

    # when the manager logs in
    log_in(page, "manager")

    # then the dashboard needs no sideways scrolling
    expect(page.get_by_test_id("dashboard-engagements")).to_be_attached()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    save_screenshot(page, "manager-dashboard-phone")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    # and the collapsed navigation is as accessible as the full one
    blocking = [v for v in axe_violations(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)
    problems.assert_none()


def test_a_wrong_password_gets_one_clear_message(
    page: Page, demo: dict[str, Any], problems: PageProblems
) -> None:
    # when someone logs in with a wrong password
    log_in_attempt = page.goto("/accounts/login/")
    assert log_in_attempt is not None
    page.get_by_label("Username").fill("manager")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    # then they stay on the login page with an alert saying why
    expect(page.get_by_role("alert")).to_contain_text("username and password")
    assert "/accounts/login/" in page.url
    save_screenshot(page, "anonymous-login-failed")
    problems.assert_none()
