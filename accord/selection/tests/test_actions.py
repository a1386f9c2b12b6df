"""Evaluation writes: templates and weights, candidates, scores, flags, decision, engagement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.audit.models import AuditEvent
from accord.selection import actions, queries
from accord.selection.models import ChecklistTopic, CriteriaTemplate, Score
from accord.selection.tests.conftest import score_all

pytestmark = pytest.mark.django_db


def test_the_default_template_has_five_groups_with_anchored_sub_criteria(evaluation):
    # when the evaluation was created from the default template
    groups = queries.groups_of(evaluation)

    # then it has the five groups of the issue, weights adding to 100 at each level
    assert [g.name for g in groups] == [
        "Technical expertise & industry knowledge",
        "Scalability & flexibility",
        "Security & compliance",
        "Company culture & communication",
        "Cost",
    ]
    assert sum(g.weight for g in groups) == 100
    for group in groups:
        assert sum(s.weight for s in group.subs) == 100
        assert all(s.anchor_1 and s.anchor_3 and s.anchor_5 for s in group.subs)
    assert evaluation.slug == "mobile-banking-app-partner-2027"
    assert evaluation.blind


def test_group_weights_that_do_not_add_up_are_refused_with_the_total(evaluation, mark):
    # given the group weights
    groups = queries.groups_of(evaluation)

    # when one group is raised by 5 points
    with pytest.raises(ValidationError) as caught:
        actions.set_weights(
            actor=mark, evaluation=evaluation, weights={groups[0].pk: groups[0].weight + 5}
        )

    # then the error names the level and the sum
    assert caught.value.messages == [
        "The weights of the criteria groups add up to 105 %; make them add up to 100 %."
    ]


def test_sub_criterion_weights_are_checked_within_their_group(evaluation, mark):
    cost = queries.groups_of(evaluation)[4]
    with pytest.raises(ValidationError, match="sub-criteria of “Cost” add up to 90 %"):
        actions.set_weights(actor=mark, evaluation=evaluation, weights={cost.subs[0].pk: 40})


def test_weights_that_add_up_are_saved_and_audited(evaluation, mark):
    # given
    tech, scale, *_ = queries.groups_of(evaluation)

    # when ten points move from technology to scalability
    actions.set_weights(actor=mark, evaluation=evaluation, weights={tech.pk: 20, scale.pk: 25})

    # then
    tech.criterion.refresh_from_db()
    scale.criterion.refresh_from_db()
    assert (tech.weight, scale.weight) == (20, 25)
    assert AuditEvent.objects.filter(object_type="selection.criterion", actor=mark).count() == 2


def test_criteria_saved_as_a_template_are_reused(evaluation, mark):
    # given a saved template from an evaluation with changed weights
    tech, scale, *_ = queries.groups_of(evaluation)
    actions.set_weights(actor=mark, evaluation=evaluation, weights={tech.pk: 20, scale.pk: 25})
    template = actions.save_criteria_as_template(
        actor=mark, evaluation=evaluation, name="Fintech weights"
    )

    # when a new evaluation uses it
    second = actions.create_evaluation_from_template(actor=mark, name="Next", template=template)

    # then the weights come along
    assert [float(g.weight) for g in queries.groups_of(second)] == [20, 25, 25, 15, 15]
    assert CriteriaTemplate.objects.count() == 2


def test_a_template_with_bad_weights_is_refused():
    with pytest.raises(ValidationError, match="add up to 50 %"):
        actions.validate_definition(
            [{"name": "Only", "weight": 50, "criteria": [{"name": "a", "weight": 100}]}]
        )


def test_adding_a_candidate_builds_its_checklist_from_the_requirements(vistula_candidate):
    # when Vistula was added to an evaluation requiring ISO 27001 and a team of 10
    items = list(vistula_candidate.checklist.values_list("topic", "subject"))

    # then the checklist asks for each requirement
    assert (ChecklistTopic.CERTIFICATE, "iso_27001") in items
    assert (ChecklistTopic.PROCESS_DOCUMENT, "sdlc") in items
    assert (ChecklistTopic.PRICING, "") in items
    assert (ChecklistTopic.TEAM, "") in items
    assert (ChecklistTopic.SECURITY_POLICY, "") in items


def test_a_well_documented_candidate_has_no_flags_and_a_bare_one_has_blockers(
    vistula_candidate, deccan_candidate
):
    # then
    assert list(vistula_candidate.red_flags.values_list("rule", flat=True)) == []
    rules = dict(deccan_candidate.red_flags.values_list("rule", "severity"))
    assert rules["low_overlap"] == "blocker"
    assert rules["certificate_missing"] == "blocker"
    assert rules["missing_process_documents"] == "blocker"
    assert rules["unclear_pricing"] == "warning"
    assert rules["no_track_record"] == "warning"


def test_missed_calls_in_the_log_raise_a_communication_flag(vistula_candidate, mark):
    # when two calls are missed
    for day in (1, 2):
        actions.record_communication(
            actor=mark,
            candidate=vistula_candidate,
            kind="call",
            subject="Intro call",
            occurred_at=timezone.now() - dt.timedelta(days=day),
            outcome="missed",
        )

    # then
    flag = vistula_candidate.red_flags.get()
    assert flag.rule == "poor_communication"
    assert "2 missed call(s)" in flag.explanation


def test_a_question_cannot_be_answered_before_it_was_sent(vistula_candidate, mark):
    now = timezone.now()
    with pytest.raises(ValidationError):
        actions.record_communication(
            actor=mark,
            candidate=vistula_candidate,
            kind="question",
            subject="Q",
            occurred_at=now,
            answered_at=now - dt.timedelta(hours=1),
        )


def test_only_assigned_evaluators_score(evaluation, vistula_candidate, victor):
    leaf = evaluation.criteria.filter(parent__isnull=False).first()
    with pytest.raises(ValidationError, match="assigned"):
        actions.record_score(
            actor=victor, candidate=vistula_candidate, criterion=leaf, value=3, rationale="x"
        )


def test_a_score_needs_a_rationale_and_a_value_from_1_to_5(evaluation, vistula_candidate, eve):
    leaf = evaluation.criteria.filter(parent__isnull=False).first()
    with pytest.raises(ValidationError, match="reason"):
        actions.record_score(
            actor=eve, candidate=vistula_candidate, criterion=leaf, value=3, rationale=" "
        )
    with pytest.raises(ValidationError, match="1 to 5"):
        actions.record_score(
            actor=eve, candidate=vistula_candidate, criterion=leaf, value=6, rationale="x"
        )


def test_groups_are_not_scored(evaluation, vistula_candidate, eve):
    group = evaluation.criteria.filter(parent__isnull=True).first()
    with pytest.raises(ValidationError, match="sub-criterion"):
        actions.record_score(
            actor=eve, candidate=vistula_candidate, criterion=group, value=3, rationale="x"
        )


def test_submitting_needs_every_score_and_then_locks_them(evaluation, vistula_candidate, eve):
    # given one score only
    leaf = evaluation.criteria.filter(parent__isnull=False).first()
    actions.record_score(
        actor=eve, candidate=vistula_candidate, criterion=leaf, value=4, rationale="good"
    )

    # when eve submits, it is refused with the count missing
    with pytest.raises(ValidationError, match="10 score"):
        actions.submit_scores(actor=eve, evaluation=evaluation)

    # when she scores the rest and submits
    score_all(evaluation, eve, {vistula_candidate: 4})

    # then her scores are submitted and can no longer change
    assert set(Score.objects.filter(evaluator=eve).values_list("submitted", flat=True)) == {True}
    with pytest.raises(ValidationError, match="submitted"):
        actions.record_score(
            actor=eve, candidate=vistula_candidate, criterion=leaf, value=1, rationale="changed"
        )


def test_blind_mode_hides_others_scores_until_one_submits(
    evaluation, vistula_candidate, eve, ida, mark
):
    # given eve submitted and ida has only drafted
    actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=ida)
    score_all(evaluation, eve, {vistula_candidate: 4})
    leaf = evaluation.criteria.filter(parent__isnull=False).first()
    actions.record_score(
        actor=ida, candidate=vistula_candidate, criterion=leaf, value=2, rationale="weak"
    )

    # then ida sees only her own draft; eve sees her own and not ida's draft
    assert {s.evaluator for s in queries.visible_scores(ida, evaluation)} == {ida}
    assert {s.evaluator for s in queries.visible_scores(eve, evaluation)} == {eve}
    assert queries.visible_scores(mark, evaluation).count() == 11


def test_a_blocked_candidate_cannot_be_chosen_until_a_manager_overrides(
    evaluation, deccan_candidate, vistula_candidate, mark
):
    # when mark chooses Deccan, which has blockers
    with pytest.raises(ValidationError, match="blocker"):
        actions.record_decision(
            actor=mark, evaluation=evaluation, selected=deccan_candidate, reason="Cheapest"
        )

    # when every blocker is overridden with a reason
    for flag in deccan_candidate.red_flags.filter(severity="blocker"):
        actions.override_red_flag(actor=mark, flag=flag, reason="Accepted for a pilot")
    decision = actions.record_decision(
        actor=mark, evaluation=evaluation, selected=deccan_candidate, reason="Cheapest"
    )

    # then the decision is recorded and the evaluation is decided
    evaluation.refresh_from_db()
    assert evaluation.status == "decided"
    assert decision.selected == deccan_candidate


def test_an_override_needs_a_reason(deccan_candidate, mark):
    flag = deccan_candidate.red_flags.filter(severity="blocker").first()
    with pytest.raises(ValidationError, match="Say why"):
        actions.override_red_flag(actor=mark, flag=flag, reason="")


def test_the_engagement_starts_with_the_winners_promises(
    evaluation, vistula_candidate, deccan_candidate, eve, mark, victor
):
    # given eve scored and mark decided for Vistula with victor approving
    actions.update_candidate(actor=mark, candidate=vistula_candidate, proposed_team_size=12)
    score_all(evaluation, eve, {vistula_candidate: 4, deccan_candidate: 3})
    decision = actions.record_decision(
        actor=mark,
        evaluation=evaluation,
        selected=vistula_candidate,
        reason="Best evidence",
        approvers=[victor],
    )

    # when the engagement is created from the decision
    engagement = actions.create_engagement_from_decision(actor=mark, decision=decision)

    # then it is Vistula's, starts on the planned date and keeps the promises as its baseline
    assert engagement.vendor == vistula_candidate.vendor
    assert engagement.start_date == evaluation.planned_start
    promises = engagement.selection_baseline.promises
    assert promises["team_size"] == 12
    assert promises["rates"][0]["amount"] == "55.00"
    assert promises["locations"][0]["overlap_hours"] == 8.0  # Warsaw and Berlin share CET
    assert promises["certificates"][0] == {
        "kind": "iso_27001",
        "standing": "valid",
        "valid_until": "2029-01-01",
    }
    assert promises["weighted_total"] == 4.0
    with pytest.raises(ValidationError, match="already created"):
        actions.create_engagement_from_decision(actor=mark, decision=decision)


@pytest.fixture
def decided(evaluation, vistula_candidate, eve, mark):
    """The evaluation decided by mark for Vistula, the only candidate, after eve scored."""
    score_all(evaluation, eve, {vistula_candidate: 4})
    actions.record_decision(
        actor=mark, evaluation=evaluation, selected=vistula_candidate, reason="Best evidence"
    )
    return evaluation


def test_a_decided_evaluation_keeps_the_candidates_its_decision_was_taken_on(
    decided, vistula_candidate, deccan, mark
):
    evaluation = decided
    # then no vendor can join and the winner's offer can no longer change or be withdrawn
    with pytest.raises(ValidationError, match="decided"):
        actions.add_candidate(actor=mark, evaluation=evaluation, vendor=deccan)
    with pytest.raises(ValidationError, match="decided"):
        actions.update_candidate(actor=mark, candidate=vistula_candidate, proposed_team_size=3)
    assert list(evaluation.candidates.values_list("vendor", flat=True)) == [
        vistula_candidate.vendor_id
    ]
    vistula_candidate.refresh_from_db()
    assert vistula_candidate.proposed_team_size != 3


def test_a_decided_evaluation_keeps_its_evaluators(decided, eve, mark, alice):
    evaluation = decided
    # then nobody can be assigned or removed any more
    with pytest.raises(ValidationError, match="decided"):
        actions.assign_evaluator(actor=mark, evaluation=evaluation, evaluator=alice)
    with pytest.raises(ValidationError, match="decided"):
        actions.unassign_evaluator(actor=mark, evaluation=evaluation, evaluator=eve)
    assert list(evaluation.assignments.values_list("evaluator", flat=True)) == [eve.pk]
