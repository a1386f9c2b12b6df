"""axe-core on every main page, for each kind of user: no serious or critical violation.

To check a new page, add it to MAIN_PAGES with the roles that may open it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from accord.selection.models import EngagementBaseline, Evaluation
from accord.vendors.models import Vendor
from tests.browser.support import (
    ARTIFACTS,
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

# role -> the demo user who plays it
USERS = {
    "admin": "admin",
    "manager": "manager",
    "evaluator": "evaluator",
    "vendor_lead": "vistula.lead",
}
EVERYONE = ("admin", "manager", "vendor_lead")


@dataclass(frozen=True)
class MainPage:
    name: str
    path: Callable[[], str]  # called once the demo workspace exists
    roles: tuple[str, ...] = EVERYONE


def _vendor_path(key: str, view: str = "detail") -> str:
    """A page of a demo vendor; `key` is the first word of its name."""
    vendor = Vendor.objects.get(name__istartswith=key)
    return reverse(f"vendors:{view}", args=[vendor.slug])


def _evaluation_path(view: str, *, decided: bool = True) -> str:
    """A page of the decided demo evaluation (or of the open one)."""
    evaluation = Evaluation.objects.filter(decision__isnull=not decided).order_by("pk").first()
    assert evaluation is not None, "the demo workspace has no such evaluation"
    return reverse(f"selection:{view}", args=[evaluation.slug])


def _criterion_edit_path() -> str:
    """The edit page of the open demo evaluation's first sub-criterion."""
    evaluation = Evaluation.objects.filter(decision__isnull=True).order_by("pk").first()
    assert evaluation is not None, "the demo workspace has no open evaluation"
    criterion = evaluation.criteria.filter(parent__isnull=False).first()
    assert criterion is not None
    return reverse("selection:criterion_edit", args=[evaluation.slug, criterion.pk])


def _decided_engagement_path() -> str:
    """The engagement the decided demo evaluation started, with the winner's promises."""
    baseline = EngagementBaseline.objects.select_related("engagement").get()
    return reverse("engagements:detail", args=[baseline.engagement.slug])


def _engagement_path(view: str) -> str:
    """A page of Vistula's demo engagement, which the vendor lead may see too."""
    name = view if ":" in view else f"engagements:{view}"
    return reverse(name, args=["mobile-banking-app"])


MAIN_PAGES = [
    MainPage("dashboard", lambda: reverse("dashboard")),
    MainPage("vendors", lambda: reverse("vendors:list")),
    MainPage("vendor-detail", lambda: _vendor_path("vistula")),
    MainPage("vendor-new", lambda: reverse("vendors:add"), roles=("manager",)),
    MainPage("vendor-edit", lambda: _vendor_path("vistula", "edit"), roles=("manager",)),
    MainPage("engagements", lambda: reverse("engagements:list")),
    MainPage("engagement-detail", lambda: _engagement_path("detail")),
    MainPage("engagement-from-decision", _decided_engagement_path),
    MainPage("engagement-history", lambda: _engagement_path("history")),
    MainPage("engagement-new", lambda: reverse("engagements:create"), roles=("manager",)),
    MainPage("engagement-edit", lambda: _engagement_path("edit"), roles=("manager",)),
    MainPage("data-sources", lambda: _engagement_path("delivery:source_list")),
    MainPage("data-source-new", lambda: _engagement_path("delivery:source_add"), ("manager",)),
    MainPage("work-items", lambda: _engagement_path("delivery:work_items")),
    MainPage("pull-requests", lambda: _engagement_path("delivery:pull_requests")),
    MainPage("deployments", lambda: _engagement_path("delivery:deployments")),
    MainPage("incidents", lambda: _engagement_path("delivery:incidents")),
    MainPage("commits", lambda: _engagement_path("delivery:commits")),
    MainPage("people", lambda: reverse("delivery:people"), roles=("manager",)),
    MainPage("kpi-portfolio", lambda: reverse("metrics:portfolio")),
    MainPage("kpi-dashboard", lambda: _engagement_path("metrics:dashboard")),
    MainPage("kpi-new", lambda: _engagement_path("metrics:kpi_add"), roles=("manager",)),
    MainPage("engagement-metrics", lambda: _engagement_path("metrics:engagement_metrics")),
    MainPage(
        "metric-explain",
        lambda: reverse("metrics:explain", args=["mobile-banking-app", "cycle_time_p50_hours"]),
    ),
    MainPage("evaluations", lambda: reverse("selection:list"), roles=("admin", "manager")),
    MainPage("evaluation-detail", lambda: _evaluation_path("detail"), roles=("manager",)),
    MainPage("evaluation-criteria", lambda: _evaluation_path("criteria"), roles=("manager",)),
    MainPage(
        "evaluation-criteria-editing",
        lambda: _evaluation_path("criteria", decided=False),
        roles=("manager",),
    ),
    MainPage("criterion-edit", _criterion_edit_path, roles=("manager",)),
    MainPage(
        "evaluation-ranking", lambda: _evaluation_path("ranking"), roles=("manager", "evaluator")
    ),
    MainPage("evaluation-score", lambda: _evaluation_path("score"), roles=("evaluator",)),
    MainPage("due-diligence", lambda: reverse("selection:portal"), roles=("vendor_lead",)),
    MainPage("audit-log", lambda: reverse("audit:list"), roles=("admin",)),
    MainPage("users", lambda: reverse("accounts:users"), roles=("admin",)),
]

CASES = [(role, main_page) for main_page in MAIN_PAGES for role in main_page.roles]


def _check(page: Page, axe_source: str, name: str) -> None:
    """Save a screenshot and the axe report, then fail on serious or critical violations."""
    save_screenshot(page, name)
    violations = axe_violations(page, axe_source)
    report = ARTIFACTS / f"{name}.axe.json"
    report.write_text(json.dumps(violations, indent=2))
    if violations:
        print(f"axe on {page.url}:\n{describe_violations(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, (
        f"axe found {len(blocking)} serious or critical violation(s) on {page.url}:\n"
        + describe_violations(blocking)
    )


def test_login_page_has_no_serious_accessibility_violations(
    page: Page, problems: PageProblems, axe_source: str
) -> None:
    response = page.goto("/accounts/login/")
    assert response is not None and response.ok
    _check(page, axe_source, "anonymous-login")
    problems.assert_none()


@pytest.mark.parametrize(
    ("role", "main_page"), CASES, ids=[f"{role}-{p.name}" for role, p in CASES]
)
def test_main_page_has_no_serious_accessibility_violations(
    page: Page,
    demo: dict[str, Any],
    problems: PageProblems,
    axe_source: str,
    role: str,
    main_page: MainPage,
) -> None:
    # given a user of this role, logged in
    log_in(page, USERS[role])

    # when they open the page
    response = page.goto(main_page.path())

    # then it answers, and axe finds nothing serious on it
    assert response is not None and response.ok, f"{main_page.name} answered {response}"
    _check(page, axe_source, f"{role}-{main_page.name}")
    problems.assert_none()
