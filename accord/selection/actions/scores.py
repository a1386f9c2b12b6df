"""Evaluators' scores and their submission (which ends their blind phase)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.actions import create_audited, update_audited
from accord.selection.models import (
    Candidate,
    Criterion,
    Evaluation,
    EvaluationStatus,
    EvaluatorAssignment,
    Score,
)


@transaction.atomic
def record_score(
    *, actor: User, candidate: Candidate, criterion: Criterion, value: int, rationale: str
) -> Score:
    """An assigned evaluator scores a candidate on a sub-criterion (1-5) with a rationale."""
    evaluation = candidate.evaluation
    assignment = evaluation.assignments.filter(evaluator=actor).first()
    if assignment is None:
        raise ValidationError("Only evaluators assigned to this evaluation can score in it.")
    if assignment.submitted_at is not None:
        raise ValidationError("Your scores are submitted and can no longer change.")
    if evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; scores can no longer change.")
    if criterion.evaluation_id != evaluation.pk or criterion.parent_id is None:
        raise ValidationError({"criterion": "Score a sub-criterion of this evaluation."})
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError({"value": "A score is a whole number from 1 to 5."})
    if not rationale.strip():
        raise ValidationError({"rationale": "Give the reason for the score."})
    existing = Score.objects.filter(
        candidate=candidate, criterion=criterion, evaluator=actor
    ).first()
    if existing is not None:
        return update_audited(
            actor=actor,
            instance=existing,
            fields={"value": value, "rationale": rationale.strip(), "updated_at": timezone.now()},
        )
    return create_audited(
        actor=actor,
        instance=Score(
            candidate=candidate,
            criterion=criterion,
            evaluator=actor,
            value=value,
            rationale=rationale.strip(),
        ),
    )


@transaction.atomic
def submit_scores(*, actor: User, evaluation: Evaluation) -> EvaluatorAssignment:
    """Submit all of an evaluator's scores; after this they see the others' (blind mode)."""
    assignment = evaluation.assignments.select_for_update().filter(evaluator=actor).first()
    if assignment is None:
        raise ValidationError("Only evaluators assigned to this evaluation can submit scores.")
    if assignment.submitted_at is not None:
        return assignment
    leaves = evaluation.criteria.filter(parent__isnull=False).count()
    candidates = evaluation.candidates.filter(status="active").count()
    given = Score.objects.filter(
        candidate__evaluation=evaluation, candidate__status="active", evaluator=actor
    ).count()
    missing = leaves * candidates - given
    if candidates == 0:
        raise ValidationError("There are no candidates to score yet.")
    if missing > 0:
        raise ValidationError(
            f"{missing} score(s) are still missing; score every candidate on every "
            "sub-criterion before submitting."
        )
    Score.objects.filter(candidate__evaluation=evaluation, evaluator=actor).update(submitted=True)
    return update_audited(actor=actor, instance=assignment, fields={"submitted_at": timezone.now()})
