"""/api/v1/evaluations/ and /api/v1/candidacies/: reads, writes and the same rules as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.lib.pdf import one_page_pdf
from accord.selection import actions
from accord.selection.models import Candidate, Decision, Evaluation, RedFlag, Score
from accord.selection.tests.conftest import score_all
from accord.vendors.models import Vendor

pytestmark = pytest.mark.django_db

LIST = "/api/v1/evaluations/"


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(evaluation: Evaluation, sub: str = "") -> str:
    return f"{LIST}{evaluation.pk}/{sub}"


def first_sub(evaluation: Evaluation) -> Any:
    return evaluation.criteria.filter(parent__isnull=False).order_by("position", "id").first()


# --- Creating and reading --------------------------------------------------------------------


def test_a_manager_creates_an_evaluation_from_the_default_template(mark: User, eve: User) -> None:
    # when
    response = api(mark).post(
        LIST,
        {
            "name": "Payments partner",
            "evaluators": ["eve"],
            "industry": None,
            "required_certifications": ["iso_27001"],
            "client_time_zone": "Europe/Berlin",
            "min_overlap_hours": "3",
            "planned_start": "2026-09-01",
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
    evaluation = Evaluation.objects.get(name="Payments partner")
    body = response.json()
    assert body["slug"] == evaluation.slug and body["evaluators"] == ["eve"]
    assert body["required_documents"] == ["sdlc", "security_policy", "incident_response"]
    criteria = api(mark).get(url(evaluation, "criteria/")).json()
    assert len(criteria) == 5 and all(len(group["criteria"]) >= 2 for group in criteria)
    assert sum(float(group["weight"]) for group in criteria) == 100
    assert AuditEvent.objects.filter(action="create", object_type="selection.evaluation").exists()


def test_a_saved_template_is_listed_and_an_evaluation_starts_from_it(
    evaluation: Evaluation, mark: User, victor: User
) -> None:
    # given
    saved = actions.save_criteria_as_template(actor=mark, evaluation=evaluation, name="Ours")

    # when
    listed = api(victor).get("/api/v1/criteria-templates/").json()["results"]
    created = api(mark).post(LIST, {"name": "Next", "template": saved.pk}, format="json")

    # then
    assert "Ours" in [t["name"] for t in listed]
    ours = next(t for t in listed if t["name"] == "Ours")
    assert len(ours["definition"]) == 5
    assert created.status_code == 201
    next_one = Evaluation.objects.get(name="Next")
    assert next_one.criteria.count() == evaluation.criteria.count()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "X", "evaluators": ["lena"]}, "evaluators", "no active client user “lena”"),
        ({"name": "X", "budget_min": "10", "budget_max": "5"}, None, "budget"),
        ({"name": "X", "template": 9999}, "template", "no criteria template with id 9999"),
        ({"name": "X", "required_certifications": ["iso_9"]}, "required_certifications", "valid"),
    ],
)
def test_bad_input_answers_one_clear_sentence_and_writes_nothing(
    mark: User, lena: User, body: dict[str, Any], field: str | None, message: str
) -> None:
    # when
    response = api(mark).post(LIST, body, format="json")

    # then
    assert response.status_code == 400
    text = str(response.json())
    assert message in text and (field is None or field in response.json())
    assert not Evaluation.objects.exists()


def test_an_evaluator_sees_only_the_evaluations_they_are_assigned_to(
    evaluation: Evaluation, mark: User, eve: User
) -> None:
    # given an evaluation eve is not on
    other = actions.create_evaluation_from_template(actor=mark, name="Cloud partner")

    # when
    listed = api(eve).get(LIST).json()
    answers = [api(eve).get(url(other, sub)).status_code for sub in ("", "criteria/", "scores/")]

    # then
    assert [e["slug"] for e in listed["results"]] == [evaluation.slug]
    assert answers == [404, 404, 404]
    assert api(mark).get(LIST).json()["count"] == 2


def test_evaluations_do_not_exist_for_vendor_users(
    evaluation: Evaluation, vistula_candidate: Candidate, lena: User, milo: User
) -> None:
    # when
    answers = {
        (user.username, path): api(user).get(path).status_code
        for user in (lena, milo)
        for path in (
            LIST,
            url(evaluation),
            url(evaluation, "candidates/"),
            url(evaluation, "scores/"),
            url(evaluation, "red-flags/"),
            url(evaluation, "ranking/"),
            url(evaluation, "decision/"),
            "/api/v1/criteria-templates/",
        )
    }
    posted = api(lena).post(url(evaluation, "candidates/"), {"vendor": 1}, format="json")

    # then
    assert set(answers.values()) == {404}
    assert posted.status_code == 404


def test_a_manager_sets_weights_that_add_up_and_is_told_when_they_do_not(
    evaluation: Evaluation, mark: User, eve: User
) -> None:
    # given the first two groups (30 % and 15 %)
    groups = api(mark).get(url(evaluation, "criteria/")).json()
    first, second = groups[0]["id"], groups[1]["id"]
    path = url(evaluation, "criteria/weights/")

    # when
    by_eve = api(eve).post(path, {"weights": {str(first): 20, str(second): 25}}, format="json")
    bad = api(mark).post(path, {"weights": {str(first): 40}}, format="json")
    good = api(mark).post(path, {"weights": {str(first): 20, str(second): 25}}, format="json")

    # then
    assert by_eve.status_code == 403
    assert bad.status_code == 400 and bad.json() == {
        "detail": ["The weights of the criteria groups add up to 110 %; make them add up to 100 %."]
    }
    assert good.status_code == 200
    assert [float(g["weight"]) for g in good.json()] == [20, 25, 25, 15, 15]


def test_candidates_come_with_their_computed_evidence(
    evaluation: Evaluation, vistula_candidate: Candidate, deccan_candidate: Candidate, victor: User
) -> None:
    # when
    body = api(victor).get(url(evaluation, "candidates/")).json()

    # then
    by_name = {c["vendor_name"]: c for c in body}
    vistula = by_name["Vistula Software House"]
    assert vistula["best_overlap_hours"] == 8.0 and vistula["certificates"] == {
        "iso_27001": "valid"
    }
    deccan = by_name["Deccan Digital Labs"]
    assert deccan["blocked"] is True and deccan["certificates"] == {"iso_27001": "missing"}


def test_a_manager_adds_a_candidate_and_its_checklist_and_flags_follow(
    evaluation: Evaluation, deccan: Vendor, mark: User, victor: User
) -> None:
    # when
    denied = api(victor).post(url(evaluation, "candidates/"), {"vendor": deccan.pk}, format="json")
    response = api(mark).post(
        url(evaluation, "candidates/"),
        {"vendor": deccan.pk, "proposed_team_size": 4},
        format="json",
    )
    again = api(mark).post(url(evaluation, "candidates/"), {"vendor": deccan.pk}, format="json")

    # then
    assert denied.status_code == 403
    assert response.status_code == 201 and response.json()["proposed_team_size"] == 4
    candidate = evaluation.candidates.get()
    assert candidate.checklist.count() >= 6
    assert candidate.red_flags.filter(rule="certificate_missing").exists()
    assert again.status_code == 400
    assert again.json() == {"vendor": ["Deccan Digital Labs is already a candidate."]}


# --- Blind scoring ---------------------------------------------------------------------------


def test_scores_are_blind_until_the_evaluator_submits_their_own(
    evaluation: Evaluation,
    vistula_candidate: Candidate,
    deccan_candidate: Candidate,
    mark: User,
    eve: User,
    ida: User,
) -> None:
    # given eve scored everything and submitted; ida is assigned and scores one through the API
    actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=ida)
    score_all(evaluation, eve, {vistula_candidate: 4, deccan_candidate: 2})
    sub = first_sub(evaluation)
    created = api(ida).post(
        url(evaluation, "scores/"),
        {"candidate": vistula_candidate.pk, "criterion": sub.pk, "value": 5, "rationale": "Deep"},
        format="json",
    )

    # when ida reads before submitting
    before = api(ida).get(url(evaluation, "scores/")).json()
    ranking_before = api(ida).get(url(evaluation, "ranking/"))

    # then she sees only her own score, and no ranking
    assert created.status_code == 201 and created.json()["submitted"] is False
    assert [(s["evaluator"], s["value"]) for s in before["results"]] == [("ida", 5)]
    assert ranking_before.status_code == 403

    # when she finishes and submits
    score_all(evaluation, ida, {vistula_candidate: 5, deccan_candidate: 1})
    early = api(ida).post(url(evaluation, "scores/submit/"))
    after = api(ida).get(url(evaluation, "scores/")).json()

    # then eve's scores show, and the ranking opens
    assert early.status_code == 200  # already submitted by score_all: submitting again is a no-op
    assert {s["evaluator"] for s in after["results"]} == {"eve", "ida"}
    assert api(ida).get(url(evaluation, "ranking/")).status_code == 200


def test_submitting_with_scores_missing_says_how_many(
    evaluation: Evaluation, vistula_candidate: Candidate, eve: User
) -> None:
    # when
    response = api(eve).post(url(evaluation, "scores/submit/"))

    # then
    assert response.status_code == 400
    assert "score(s) are still missing" in response.json()["detail"][0]
    assert evaluation.assignments.get(evaluator=eve).submitted_at is None


@pytest.mark.parametrize(
    ("value", "rationale", "message"),
    [
        (6, "Too good", "A score is a whole number from 1 to 5."),
        (3, "  ", "Give the reason for the score."),
    ],
)
def test_a_score_needs_a_value_from_1_to_5_and_a_rationale(
    evaluation: Evaluation,
    vistula_candidate: Candidate,
    eve: User,
    value: int,
    rationale: str,
    message: str,
) -> None:
    # when
    response = api(eve).post(
        url(evaluation, "scores/"),
        {
            "candidate": vistula_candidate.pk,
            "criterion": first_sub(evaluation).pk,
            "value": value,
            "rationale": rationale,
        },
        format="json",
    )

    # then
    assert response.status_code == 400 and message in str(response.json())
    assert not Score.objects.exists()


def test_only_assigned_evaluators_score(
    evaluation: Evaluation, vistula_candidate: Candidate, mark: User, victor: User
) -> None:
    body = {
        "candidate": vistula_candidate.pk,
        "criterion": first_sub(evaluation).pk,
        "value": 3,
        "rationale": "Fine",
    }
    answers = [
        api(user).post(url(evaluation, "scores/"), body, format="json").status_code
        for user in (mark, victor)
    ]
    assert answers == [403, 403]


# --- Flags, ranking, decision ----------------------------------------------------------------


@pytest.fixture
def scored(
    evaluation: Evaluation,
    vistula_candidate: Candidate,
    deccan_candidate: Candidate,
    eve: User,
    ida: User,
    mark: User,
) -> Evaluation:
    """Both evaluators submitted: Deccan ahead on scores, but blocked by its flags."""
    actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=ida)
    score_all(evaluation, eve, {vistula_candidate: 3, deccan_candidate: 5})
    score_all(evaluation, ida, {vistula_candidate: 4, deccan_candidate: 5})
    return evaluation


def test_the_ranking_shows_totals_the_recommendation_and_the_verdict(
    scored: Evaluation, victor: User
) -> None:
    # when
    body = api(victor).get(url(scored, "ranking/")).json()

    # then Deccan ranks first but is blocked, so Vistula is recommended
    assert [(r["rank"], r["vendor_name"], r["blocked"]) for r in body["rows"]] == [
        (1, "Deccan Digital Labs", True),
        (2, "Vistula Software House", False),
    ]
    vistula = body["rows"][1]
    assert body["recommended"] == vistula["candidate"] and vistula["total"] == 3.5
    assert body["sensitivity"] == [] and body["verdict"] is None  # one eligible candidate
    assert sum(body["weights"].values()) == pytest.approx(1)


def test_a_manager_overrides_a_blocker_with_a_reason_and_records_the_decision(
    scored: Evaluation, deccan_candidate: Candidate, mark: User, eve: User, alice: User
) -> None:
    # given
    decide = {"selected": deccan_candidate.pk, "reason": "Best scores", "approvers": ["alice"]}
    blocked = api(mark).post(url(scored, "decision/"), decide, format="json")
    flags = api(mark).get(url(scored, "red-flags/")).json()
    blockers = [f for f in flags if f["candidate"] == deccan_candidate.pk and f["blocks"]]

    # when
    by_eve = api(eve).post(
        url(scored, f"red-flags/{blockers[0]['id']}/override/"), {"reason": "x"}, format="json"
    )
    no_reason = api(mark).post(
        url(scored, f"red-flags/{blockers[0]['id']}/override/"), {"reason": ""}, format="json"
    )
    for flag in blockers:
        overridden = api(mark).post(
            url(scored, f"red-flags/{flag['id']}/override/"),
            {"reason": "Pilot first"},
            format="json",
        )
        assert overridden.status_code == 200 and overridden.json()["blocks"] is False
    decided = api(mark).post(url(scored, "decision/"), decide, format="json")

    # then
    assert blocked.status_code == 400 and "has a blocker" in blocked.json()["selected"][0]
    assert by_eve.status_code == 403
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["Say why the flag may be overridden."]}
    assert decided.status_code == 201, decided.json()
    assert decided.json()["vendor_name"] == "Deccan Digital Labs"
    decision = Decision.objects.get(evaluation=scored)
    assert [a.username for a in decision.approvers.all()] == ["alice"]
    assert RedFlag.objects.get(pk=blockers[0]["id"]).override_reason == "Pilot first"
    assert api(eve).get(url(scored, "decision/")).json()["reason"] == "Best scores"


def test_a_manager_starts_the_engagement_from_the_decision(
    scored: Evaluation, vistula_candidate: Candidate, mark: User, victor: User
) -> None:
    # given
    path = url(scored, "decision/engagement/")
    too_early = api(mark).post(path)
    actions.record_decision(
        actor=mark, evaluation=scored, selected=vistula_candidate, reason="No blockers"
    )

    # when
    by_viewer = api(victor).post(path)
    started = api(mark).post(path)
    again = api(mark).post(path)

    # then
    assert too_early.status_code == 400
    assert too_early.json() == {"detail": ["Record the decision first."]}
    assert by_viewer.status_code == 403
    assert started.status_code == 201
    body = started.json()
    assert body["promises"]["vendor"] == "Vistula Software House"
    assert body["promises"]["certificates"][0]["kind"] == "iso_27001"
    assert api(mark).get(url(scored, "decision/")).json()["engagement"] == body["engagement"]
    assert again.status_code == 400 and "was already created" in again.json()["detail"][0]


def test_the_status_becomes_decided_only_through_the_decision(
    scored: Evaluation, vistula_candidate: Candidate, mark: User
) -> None:
    # when
    early = api(mark).patch(url(scored), {"status": "decided"}, format="json")
    actions.record_decision(
        actor=mark, evaluation=scored, selected=vistula_candidate, reason="No blockers"
    )
    reopened = api(mark).patch(url(scored), {"status": "scoring"}, format="json")
    moved = api(mark).patch(url(scored), {"min_overlap_hours": "1"}, format="json")
    renamed = api(mark).patch(url(scored), {"name": "Mobile partner (decided)"}, format="json")

    # then
    assert early.status_code == 400 and early.json() == {
        "status": ["An evaluation becomes decided when its decision is recorded."]
    }
    for refused in (reopened, moved):
        assert refused.status_code == 400
        assert refused.json() == {
            "detail": ["The evaluation is decided; only its name and description change."]
        }
    assert renamed.status_code == 200 and renamed.json()["status"] == "decided"


def test_the_decision_reads_as_no_content_until_recorded(scored: Evaluation, victor: User) -> None:
    assert api(victor).get(url(scored, "decision/")).status_code == 204


def test_the_evaluation_list_takes_a_constant_number_of_queries(
    evaluation: Evaluation, mark: User, django_assert_max_num_queries: Any
) -> None:
    # given more evaluations
    for n in range(5):
        actions.create_evaluation_from_template(actor=mark, name=f"Partner {n}", evaluators=[mark])

    # then
    with django_assert_max_num_queries(8):
        assert api(mark).get(LIST).json()["count"] == 6


# --- The vendor portal -----------------------------------------------------------------------


def test_a_vendor_lead_sees_only_their_own_candidacy_and_checklist(
    evaluation: Evaluation,
    vistula_candidate: Candidate,
    deccan_candidate: Candidate,
    lena: User,
    dev: User,
    mark: User,
) -> None:
    # when
    listed = api(lena).get("/api/v1/candidacies/").json()
    other = api(lena).get(f"/api/v1/candidacies/{deccan_candidate.pk}/")
    by_client = api(mark).get("/api/v1/candidacies/")

    # then
    assert [c["id"] for c in listed["results"]] == [vistula_candidate.pk]
    candidacy = listed["results"][0]
    assert set(candidacy) == {"id", "evaluation", "evaluation_status", "invited_at", "checklist"}
    assert candidacy["evaluation"] == evaluation.name and len(candidacy["checklist"]) >= 6
    assert other.status_code == 404 and by_client.status_code == 404
    assert [c["id"] for c in api(dev).get("/api/v1/candidacies/").json()["results"]] == [
        deccan_candidate.pk
    ]


def test_the_vendor_lead_answers_only_once_the_checklist_is_opened(
    vistula_candidate: Candidate, lena: User
) -> None:
    # given a checklist not yet opened to Vistula
    item = vistula_candidate.checklist.get(topic="security_policy")

    # when
    response = api(lena).post(
        f"/api/v1/candidacies/{vistula_candidate.pk}/checklist/{item.pk}/",
        {"answer": "Early"},
        format="json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"detail": ["The client has not opened this checklist to you yet."]}
    item.refresh_from_db()
    assert item.answer == ""


def test_the_vendor_lead_answers_with_evidence_and_the_member_may_not(
    vistula_candidate: Candidate,
    deccan_candidate: Candidate,
    lena: User,
    milo: User,
    mark: User,
) -> None:
    # given both checklists are opened
    for candidate in (vistula_candidate, deccan_candidate):
        actions.invite_candidate(actor=mark, candidate=candidate)
    item = vistula_candidate.checklist.get(topic="security_policy")
    path = f"/api/v1/candidacies/{vistula_candidate.pk}/checklist/{item.pk}/"
    upload = SimpleUploadedFile(
        "policy.pdf", one_page_pdf("policy"), content_type="application/pdf"
    )

    # when
    by_milo = api(milo).post(path, {"answer": "Yes"}, format="json")
    empty = api(lena).post(path, {"answer": " "}, format="json")
    answered = api(lena).post(path, {"answer": "Annual audits", "evidence": upload})
    foreign = deccan_candidate.checklist.first()
    assert foreign is not None
    cross = api(lena).post(
        f"/api/v1/candidacies/{deccan_candidate.pk}/checklist/{foreign.pk}/",
        {"answer": "x"},
        format="json",
    )

    # then
    assert by_milo.status_code == 403
    assert empty.status_code == 400 and empty.json() == {
        "answer": ["Write an answer or attach evidence."]
    }
    assert answered.status_code == 200
    assert answered.json()["answered_by"] == "lena"
    assert answered.json()["evidence_name"] == "policy.pdf"
    item.refresh_from_db()
    assert item.answer == "Annual audits" and item.evidence
    assert cross.status_code == 404


# --- Schema ----------------------------------------------------------------------------------


def test_the_schema_describes_the_selection_endpoints_and_is_valid() -> None:
    # when
    schema = SchemaGenerator().get_schema(request=None, public=True)

    # then
    validate_schema(schema)
    paths = schema["paths"]
    assert set(paths["/api/v1/evaluations/"]) >= {"get", "post"}
    assert set(paths["/api/v1/evaluations/{id}/"]) >= {"get", "patch"}
    for sub in ("criteria", "candidates", "scores", "red-flags", "ranking", "decision"):
        assert "get" in paths[f"/api/v1/evaluations/{{id}}/{sub}/"], sub
    for sub in (
        "criteria/weights",
        "candidates",
        "scores",
        "scores/submit",
        "decision",
        "decision/engagement",
    ):
        assert "post" in paths[f"/api/v1/evaluations/{{id}}/{sub}/"], sub
    assert "post" in paths["/api/v1/evaluations/{id}/red-flags/{flag_pk}/override/"]
    assert "get" in paths["/api/v1/candidacies/"]
    assert "post" in paths["/api/v1/candidacies/{id}/checklist/{item_pk}/"]
    assert "get" in paths["/api/v1/criteria-templates/"]
