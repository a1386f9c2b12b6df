"""Selection pages: create, weights, blind scoring, ranking and what-if, decision, portal, report."""

from __future__ import annotations

import html
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.selection import actions, queries
from accord.selection.models import Evaluation, RedFlag, Score
from accord.selection.tests.conftest import score_all
from conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(evaluation, vistula_candidate, deccan_candidate, eve, ida, mark):
    """Both evaluators scored and submitted: Vistula 4s from both, Deccan 3s and 1s."""
    actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=ida)
    score_all(evaluation, eve, {vistula_candidate: 4, deccan_candidate: 3})
    score_all(evaluation, ida, {vistula_candidate: 4, deccan_candidate: 1})
    for flag in deccan_candidate.red_flags.filter(severity="blocker"):
        actions.override_red_flag(actor=mark, flag=flag, reason="Pilot only")
    return evaluation


def test_a_manager_creates_an_evaluation_from_the_form(mark, client_org):
    # when mark posts the new-evaluation form
    response = logged_in(mark).post(
        reverse("selection:create"),
        {
            "name": "Payments partner",
            "blind": "on",
            "required_documents": ["sdlc"],
            "client_time_zone": "Europe/Berlin",
            "client_work_start": "09:00",
            "client_work_end": "17:00",
            "min_overlap_hours": "3",
            "currency": "eur",
            "response_threshold_hours": "48",
        },
    )

    # then it exists with the default criteria and he lands on it
    evaluation = Evaluation.objects.get(name="Payments partner")
    assert response.status_code == 302
    assert response["Location"] == reverse("selection:detail", args=[evaluation.slug])
    assert evaluation.currency == "EUR"
    assert len(queries.groups_of(evaluation)) == 5


def test_weights_that_do_not_add_up_show_the_error_on_the_page(evaluation, mark):
    # given the weights form with one group raised by ten points
    groups = queries.groups_of(evaluation)
    data = {f"w{c.pk}": str(c.weight) for g in groups for c in [g.criterion, *g.subs]}
    data[f"w{groups[0].pk}"] = str(groups[0].weight + 10)

    # when
    response = logged_in(mark).post(reverse("selection:weights_save", args=[evaluation.slug]), data)

    # then
    assert response.status_code == 400
    assert "add up to 110 %; make them add up to 100 %" in response.content.decode()


def test_the_overview_shows_candidates_with_their_flags(
    evaluation, vistula_candidate, deccan_candidate, victor
):
    response = logged_in(victor).get(reverse("selection:detail", args=[evaluation.slug]))
    page = response.content.decode()
    assert "Vistula Software House" in page and "Deccan Digital Labs" in page
    assert "Working-hours overlap below the minimum" in page  # the rule by its title
    assert "8 h" in page  # Warsaw and Berlin overlap all day


def test_the_candidate_page_shows_the_working_of_the_overlap(evaluation, deccan_candidate, mark):
    response = logged_in(mark).get(
        reverse("selection:candidate", args=[evaluation.slug, deccan_candidate.pk])
    )
    page = response.content.decode()
    assert "in common: none = 0 h." in page
    assert "Override this blocker" in page


def test_an_evaluator_scores_blind_and_sees_results_only_after_submitting(
    evaluation, vistula_candidate, eve
):
    # given eve's score sheet
    client = logged_in(eve)
    leaves = list(evaluation.criteria.filter(parent__isnull=False))
    data = {f"v-{vistula_candidate.pk}-{c.pk}": "4" for c in leaves}
    data |= {f"r-{vistula_candidate.pk}-{c.pk}": "Solid evidence" for c in leaves}

    # when she saves, the ranking is still closed to her
    assert client.post(reverse("selection:score", args=[evaluation.slug]), data).status_code == 302
    assert client.get(reverse("selection:ranking", args=[evaluation.slug])).status_code == 403

    # when she submits
    client.post(reverse("selection:score_submit", args=[evaluation.slug]))

    # then her scores are submitted and the ranking opens
    assert Score.objects.filter(evaluator=eve, submitted=True).count() == len(leaves)
    assert client.get(reverse("selection:ranking", args=[evaluation.slug])).status_code == 200


def test_a_score_without_a_rationale_is_refused_with_the_cell_named(
    evaluation, vistula_candidate, eve
):
    leaf = evaluation.criteria.filter(parent__isnull=False).first()
    response = logged_in(eve).post(
        reverse("selection:score", args=[evaluation.slug]),
        {f"v-{vistula_candidate.pk}-{leaf.pk}": "3", f"r-{vistula_candidate.pk}-{leaf.pk}": ""},
    )
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"Vistula Software House, {leaf.name}: Give the reason for the score." in page


def test_the_ranking_shows_the_order_and_the_sensitivity_verdict(scored, mark):
    # when mark opens the ranking
    page = logged_in(mark).get(reverse("selection:ranking", args=[scored.slug])).content.decode()

    # then Vistula (4.0) ranks above Deccan (2.0), the verdict is shown and the 1-vs-3
    # disagreement on Deccan is highlighted
    table = page[page.index('data-testid="ranking"') : page.index("Sensitivity")]
    assert table.index("Vistula Software House") < table.index("Deccan Digital Labs")
    assert "The recommendation is <strong>robust</strong>" in page
    assert "discuss" in page


def test_what_if_weights_re_rank_without_saving(scored, mark, vistula_candidate, deccan_candidate):
    # given what-if weights: everything on the first group
    groups = queries.groups_of(scored)
    params = {f"g{g.pk}": "0" for g in groups}
    params[f"g{groups[0].pk}"] = "100"

    # when the htmx panel asks
    response = logged_in(mark).get(
        reverse("selection:what_if", args=[scored.slug]), params, HTTP_HX_REQUEST="true"
    )

    # then the partial comes back marked as what-if, and the stored weights are unchanged
    page = response.content.decode()
    assert 'id="ranking-table"' in page
    assert "What-if weights" in page
    assert "100.0 %" in page
    assert [float(g.weight) for g in queries.groups_of(scored)] == [30, 15, 25, 15, 15]


def test_a_manager_records_the_decision_and_starts_the_engagement(
    scored, mark, alice, vistula_candidate
):
    client = logged_in(mark)
    assign = reverse("selection:evaluator_add", args=[scored.slug])
    assert assign in client.get(reverse("selection:detail", args=[scored.slug])).content.decode()
    response = client.post(
        reverse("selection:decision", args=[scored.slug]),
        {"selected": vistula_candidate.pk, "reason": "Best on evidence", "approvers": [alice.pk]},
    )
    assert response.status_code == 302
    response = client.post(reverse("selection:engagement_create", args=[scored.slug]))
    scored.refresh_from_db()
    engagement = scored.decision.baseline.engagement
    assert response["Location"] == reverse("engagements:detail", args=[engagement.slug])
    assert engagement.selection_baseline.promises["vendor"] == "Vistula Software House"

    # and the evaluation's overview links to the engagement and no longer offers to assign
    # evaluators
    overview = client.get(reverse("selection:detail", args=[scored.slug])).content.decode()
    assert f'href="{reverse("engagements:detail", args=[engagement.slug])}"' in overview
    assert assign not in overview


def test_a_decided_evaluation_keeps_the_flags_its_decision_was_taken_on(
    scored, mark, vistula_candidate, deccan_candidate
):
    # given the decision for Vistula, taken while Deccan had its flags
    actions.record_decision(
        actor=mark, evaluation=scored, selected=vistula_candidate, reason="Best"
    )
    flags = list(RedFlag.objects.filter(candidate__evaluation=scored).order_by("pk").values())
    client = logged_in(mark)

    # when a call is logged afterwards and the manager presses Recompute flags
    actions.record_communication(
        actor=mark,
        candidate=deccan_candidate,
        kind="call",
        subject="Debrief",
        occurred_at=timezone.now(),
        outcome="missed",
    )
    response = client.post(reverse("selection:flags_refresh", args=[scored.slug]), follow=True)

    # then the flags are those of the decision, the page says why, and offers no Recompute
    page = response.content.decode()
    assert list(RedFlag.objects.filter(candidate__evaluation=scored).order_by("pk").values()) == (
        flags
    )
    assert "its flags stay those it was taken on" in page
    assert reverse("selection:flags_refresh", args=[scored.slug]) not in page
    # nor a form to add candidates, which the decision was not taken on
    assert f'action="{reverse("selection:candidate_add", args=[scored.slug])}"' not in page
    assert "Add a candidate" not in page


def test_the_vendor_lead_answers_only_their_own_checklist(
    evaluation, vistula_candidate, deccan_candidate, lena, mark
):
    # given the checklist is opened to Vistula
    actions.invite_candidate(actor=mark, candidate=vistula_candidate)
    client = logged_in(lena)
    item = vistula_candidate.checklist.first()

    # when lena opens and answers her checklist
    page = client.get(
        reverse("selection:portal_checklist", args=[vistula_candidate.pk])
    ).content.decode()
    response = client.post(
        reverse("selection:portal_answer", args=[vistula_candidate.pk, item.pk]),
        {"answer": "Attached: ISMS policy v4."},
    )

    # then the answer is saved; no other candidate, score or flag shows; Deccan's is 404
    item.refresh_from_db()
    assert response.status_code == 302
    assert item.answer == "Attached: ISMS policy v4." and item.answered_by == lena
    assert "Deccan" not in page and "flag" not in page.lower() and "score" not in page.lower()
    assert (
        client.get(reverse("selection:portal_checklist", args=[deccan_candidate.pk])).status_code
        == 404
    )
    assert client.get(reverse("selection:detail", args=[evaluation.slug])).status_code == 404


def test_a_vendor_member_reads_but_cannot_answer(vistula_candidate, milo):
    item = vistula_candidate.checklist.first()
    client = logged_in(milo)
    assert (
        client.get(reverse("selection:portal_checklist", args=[vistula_candidate.pk])).status_code
        == 200
    )
    response = client.post(
        reverse("selection:portal_answer", args=[vistula_candidate.pk, item.pk]), {"answer": "x"}
    )
    assert response.status_code == 403


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_report_lists_the_ranking_in_order(scored, mark, tmp_path):
    # when the PDF is downloaded
    response = logged_in(mark).get(reverse("selection:report_pdf", args=[scored.slug]))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)

    # then it is a PDF whose text ranks Vistula before Deccan
    assert response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    ranking = text[text.index("Ranking") :]
    assert ranking.index("1. Vistula Software House") < ranking.index("2. Deccan Digital Labs")
    assert "robust" in text
    assert "Pilot only" in text


def test_the_engagement_page_shows_the_winners_promises_to_both_sides(
    scored, mark, lena, vistula_candidate
):
    # given the engagement started from the decision for Vistula
    decision = actions.record_decision(
        actor=mark, evaluation=scored, selected=vistula_candidate, reason="Best"
    )
    engagement = actions.create_engagement_from_decision(actor=mark, decision=decision)
    path = reverse("engagements:detail", args=[engagement.slug])

    # when each side opens it
    client_page = logged_in(mark).get(path).content.decode()
    vendor_page = logged_in(lena).get(path).content.decode()

    # then both see the promises; only the client sees the score and the evaluation
    for page in (client_page, vendor_page):
        assert "Promised when chosen" in page
        assert "ISO/IEC 27001" in page and "Time and materials" in page
        assert "Hub, Poland (8 h overlap)" in page
    assert "Weighted score" in client_page
    assert reverse("selection:decision", args=[scored.slug]) in client_page
    assert "Weighted score" not in vendor_page
    assert reverse("selection:decision", args=[scored.slug]) not in vendor_page
