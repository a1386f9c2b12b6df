"""An engagement's history as a manager reads it: names, labels, local times, a 'show' toggle."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accord.accounts.models import User
from accord.engagements.actions import update_engagement
from accord.engagements.models import Engagement
from accord.vendors.models import Vendor
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

SCOPE = (
    "Rebuild the retail onboarding flow end to end: identity checks, account opening, card "
    "ordering and the first transfer, with the vendor owning the mobile client and the client "
    "owning the core-banking integration and the security review."
)


def test_a_manager_reads_an_engagements_history_in_words_in_their_own_time_zone(
    page: Page, demo: dict[str, Any], problems: PageProblems, axe_source: str
) -> None:
    # given a manager in Warsaw who just paused the engagement, moved it to another vendor
    # and rewrote its scope
    manager = User.objects.get(username="manager")
    manager.time_zone = "Europe/Warsaw"
    manager.save(update_fields=["time_zone"])
    engagement = Engagement.objects.get(slug="mobile-banking-app")
    other = Vendor.objects.exclude(pk=engagement.vendor_id).order_by("name").first()
    assert other is not None
    update_engagement(
        actor=manager, engagement=engagement, status="paused", vendor=other, scope=SCOPE
    )

    # when they open the engagement's history
    log_in(page, "manager")
    page.goto("/engagements/mobile-banking-app/history/")

    # then the latest change reads like a sentence, not like a database row
    latest = page.locator("table.changes-table tbody tr").first
    expect(latest.locator("time")).to_have_text("just now")
    # (the exact time, in Warsaw's zone, is in the tooltip)
    expect(latest.locator("time")).to_have_attribute("title", re.compile(r", \d\d:\d\d CES?T$"))
    expect(latest).to_contain_text("Updated engagement")
    expect(latest).to_contain_text("Active → Paused")
    expect(latest).to_contain_text(f"Vistula Software House → {other.name}")
    # and the long scope shows its beginning, the rest behind "show"
    toggle = latest.locator("details", has_text="the security review.")
    full = toggle.locator(".audit-full")
    expect(full).to_be_hidden()
    toggle.get_by_text("show", exact=True).click()
    expect(full).to_be_visible()
    save_screenshot(page, "manager-engagement-history")

    # and the page stays accessible, with no script or CSP problem
    blocking = [v for v in axe_violations(page, axe_source) if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, describe_violations(blocking)
    problems.assert_none()
