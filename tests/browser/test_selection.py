"""A selection in the browser: two evaluators score blind, the manager reads the ranking and its
sensitivity verdict, and the vendor's lead answers the due-diligence checklist with evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accord.accounts.models import User
from accord.lib.pdf import one_page_pdf
from accord.selection import actions
from accord.selection.models import Evaluation, EvaluatorAssignment
from accord.vendors.models import Vendor
from tests.browser.support import ARTIFACTS, PageProblems, log_in, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# A short template so that the browser fills every cell of the score sheet by hand.
TEMPLATE = [
    {
        "name": "Technical expertise",
        "weight": 60,
        "criteria": [
            {"name": "Industry experience", "weight": 50, "anchor_1": "None", "anchor_5": "Deep"},
            {"name": "Technology depth", "weight": 50, "anchor_1": "Shallow", "anchor_5": "Deep"},
        ],
    },
    {
        "name": "Cost",
        "weight": 40,
        "criteria": [{"name": "Pricing transparency", "weight": 100}],
    },
]
# What each evaluator gives (Vistula, Lusitania) on every sub-criterion, and why.
SCORES = {
    "evaluator": ((5, 3), "Seen in the workshop"),
    "admin": ((4, 2), "From the reference calls"),
}


@pytest.fixture
def evaluation(demo: dict[str, Any]) -> Evaluation:
    """An open evaluation with two evaluators, Vistula (invited) and Lusitania, no blockers."""
    manager = User.objects.get(username="manager")
    template = actions.create_criteria_template(
        actor=manager, name="Browser flow", definition=TEMPLATE
    )
    evaluation = actions.create_evaluation_from_template(
        actor=manager,
        name="Browser flow partner",
        template=template,
        evaluators=list(User.objects.filter(username__in=SCORES)),
        required_documents=[],
        status="scoring",
    )
    for name in ("Vistula Software House", "Lusitania Code"):
        candidate = actions.add_candidate(
            actor=manager, evaluation=evaluation, vendor=Vendor.objects.get(name=name)
        )
        for flag in candidate.red_flags.filter(severity="blocker"):
            actions.override_red_flag(actor=manager, flag=flag, reason="Accepted for a pilot")
        if name.startswith("Vistula"):
            actions.invite_candidate(actor=manager, candidate=candidate)
    return evaluation


def score_everything(page: Page, who: str) -> None:
    """Fill the whole score sheet, save it, then submit (accepting the confirmation)."""
    (vistula, lusitania), why = SCORES[who]
    for slug, value in (("vistula-software-house", vistula), ("lusitania-code", lusitania)):
        selects = page.get_by_test_id(f"v-{slug}")
        rationales = page.get_by_test_id(f"r-{slug}")
        for i in range(selects.count()):
            selects.nth(i).select_option(str(value))
            rationales.nth(i).fill(f"{why}: {value}")
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_role("alert").first).to_contain_text("6 score(s) saved")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit my scores").click()
    page.wait_for_url("**/ranking/")


def test_two_evaluators_score_blind_and_the_manager_sees_a_robust_ranking(
    page: Page, evaluation: Evaluation, problems: PageProblems
) -> None:
    score_url = reverse("selection:score", args=[evaluation.slug])
    ranking_url = reverse("selection:ranking", args=[evaluation.slug])

    # given the first evaluator scored and submitted
    log_in(page, "evaluator")
    page.goto(score_url)
    expect(page.get_by_role("note")).to_contain_text("Blind scoring")
    score_everything(page, "evaluator")
    save_screenshot(page, "selection-flow-1-first-evaluator-ranking")
    page.context.clear_cookies()

    # when the second evaluator opens the score sheet before submitting
    log_in(page, "admin")
    page.goto(score_url)

    # then nothing of the first evaluator's scores shows, and the ranking is closed
    assert "Seen in the workshop" not in page.content()
    expect(page.get_by_test_id("v-vistula-software-house").first).to_have_value("")
    save_screenshot(page, "selection-flow-2-second-evaluator-blind")
    closed = page.goto(ranking_url)
    assert closed is not None and closed.status == 403

    # when they score and submit
    page.goto(score_url)
    score_everything(page, "admin")

    # then both evaluators' rationale is visible to them
    page.get_by_text("Show all 12 scores with their reasons").click()
    expect(page.get_by_text("Seen in the workshop: 5").first).to_be_visible()
    expect(page.get_by_text("From the reference calls: 4").first).to_be_visible()
    page.context.clear_cookies()

    # when the manager opens the ranking
    log_in(page, "manager")
    page.goto(ranking_url)

    # then Vistula leads on 4.5 against 2.5, recommended, and the verdict is robust
    rows = page.get_by_test_id("ranking").locator("tbody tr")
    expect(rows.first).to_contain_text("Vistula Software House")
    expect(rows.first).to_contain_text("recommended")
    expect(rows.first).to_contain_text("4.50")
    expect(rows.nth(1)).to_contain_text("Lusitania Code")
    expect(page.get_by_test_id("verdict")).to_contain_text("The recommendation is robust")
    save_screenshot(page, "selection-flow-3-manager-ranking")
    assert (
        EvaluatorAssignment.objects.filter(
            evaluation=evaluation, submitted_at__isnull=False
        ).count()
        == 2
    )
    problems.assert_none()


def test_the_vendor_lead_answers_the_checklist_with_evidence(
    page: Page, evaluation: Evaluation, problems: PageProblems, tmp_path: Path
) -> None:
    # given Vistula's lead in the portal
    log_in(page, "vistula.lead")
    page.goto(reverse("selection:portal"))
    page.get_by_role("link", name="Browser flow partner").click()
    checklist = page.get_by_test_id("checklist")
    expect(checklist).to_contain_text("data-security policy")
    assert "Lusitania" not in page.content()

    # when they answer the security-policy item with a PDF
    evidence = tmp_path / "security-policy.pdf"
    evidence.write_bytes(one_page_pdf("Vistula security policy"))
    item = checklist.locator("section").first
    item.get_by_label("Your answer").fill("ISO 27001 ISMS; quarterly access reviews.")
    item.get_by_label("Evidence (optional)").set_input_files(str(evidence))
    item.get_by_role("button", name="Save answer").click()

    # then the answer is kept with its evidence
    expect(page.get_by_role("alert").first).to_contain_text("Your answer is saved.")
    answered = page.get_by_test_id("checklist").locator("section").first
    expect(answered).to_contain_text("answered")
    expect(answered).to_contain_text("evidence: security-policy.pdf")
    save_screenshot(page, "selection-flow-4-vendor-lead-checklist")
    assert (ARTIFACTS / "selection-flow-4-vendor-lead-checklist.png").exists()
    problems.assert_none()
