"""The decision and the engagement it starts, with the winner's promises as baseline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import CLIENT_ROLES, User
from accord.audit.actions import create_audited, update_audited
from accord.engagements.actions import create_engagement
from accord.engagements.models import Engagement
from accord.selection import queries
from accord.selection.models import (
    Candidate,
    Decision,
    EngagementBaseline,
    Evaluation,
    EvaluationStatus,
)


@transaction.atomic
def record_decision(
    *,
    actor: User,
    evaluation: Evaluation,
    selected: Candidate,
    reason: str,
    approvers: Iterable[User] = (),
) -> Decision:
    """Record the chosen partner; a candidate with an un-overridden blocker cannot be chosen."""
    if selected.evaluation_id != evaluation.pk:
        raise ValidationError({"selected": "Choose a candidate of this evaluation."})
    if hasattr(evaluation, "decision"):
        raise ValidationError("This evaluation is already decided.")
    if not reason.strip():
        raise ValidationError({"reason": "Give the reason for the decision."})
    blockers = [f for f in selected.red_flags.all() if f.blocks]
    if blockers:
        raise ValidationError(
            {
                "selected": f"{selected.vendor.name} has a blocker ({blockers[0].explanation}) "
                "Override it with a reason first, or choose another candidate."
            }
        )
    approver_list = list(approvers)
    if any(a.role not in CLIENT_ROLES for a in approver_list):
        raise ValidationError({"approvers": "Approvers must be client users."})
    decision = create_audited(
        actor=actor,
        instance=Decision(
            evaluation=evaluation, selected=selected, reason=reason.strip(), decided_by=actor
        ),
        m2m={"approvers": approver_list},
    )
    update_audited(actor=actor, instance=evaluation, fields={"status": EvaluationStatus.DECIDED})
    return decision


def promises_of(decision: Decision) -> dict[str, Any]:
    """What the winner promised: team, rates, locations with overlap, certificates, total."""
    evaluation = decision.evaluation
    evidence_by_candidate = {e.candidate.pk: e for e in queries.candidate_evidence(evaluation)}
    item = evidence_by_candidate[decision.selected_id]
    candidate, vendor = item.candidate, item.candidate.vendor
    result = queries.ranking_for(evaluation)
    total = next((row.total for row in result.rows if row.candidate.pk == candidate.pk), None)
    return {
        "vendor": vendor.name,
        "evaluation": evaluation.slug,
        "decided_at": decision.decided_at.isoformat(),
        "planned_start": evaluation.planned_start.isoformat() if evaluation.planned_start else None,
        "team_size": candidate.proposed_team_size or vendor.scale_up_capacity,
        "vendor_team_size": vendor.team_size,
        "scale_up_weeks": vendor.scale_up_weeks,
        "scale_down_notice_weeks": vendor.scale_down_notice_weeks,
        "pricing_model": vendor.pricing_model,
        "extra_fees": candidate.extra_fees,
        "rates": [
            {
                "role": line.role,
                "seniority": line.seniority,
                "amount": str(line.amount) if line.amount is not None else None,
                "unit": line.unit,
                "currency": line.currency,
                "note": line.note,
            }
            for line in vendor.rate_card.all()
        ],
        "locations": [
            {
                "location": label,
                "overlap_hours": overlap.hours,
                "working": overlap.working,
            }
            for label, overlap in item.overlaps
        ],
        "certificates": [
            {
                "kind": c.kind,
                "standing": c.standing,
                "valid_until": c.certificate.valid_until.isoformat()
                if c.certificate and c.certificate.valid_until
                else None,
            }
            for c in item.certificates
        ],
        "weighted_total": total,
    }


@transaction.atomic
def create_engagement_from_decision(
    *, actor: User, decision: Decision, name: str = ""
) -> Engagement:
    """Start the engagement with the chosen vendor, carrying its promises as the baseline."""
    if hasattr(decision, "baseline"):
        raise ValidationError(
            f"The engagement “{decision.baseline.engagement.name}” was already created from "
            "this decision."
        )
    evaluation = decision.evaluation
    vendor = decision.selected.vendor
    engagement = create_engagement(
        actor=actor,
        name=name.strip() or f"{evaluation.name} — {vendor.name}",
        vendor=vendor,
        start_date=evaluation.planned_start,
        pricing_model=vendor.pricing_model,
        budget=evaluation.budget_max,
        currency=evaluation.currency,
        scope=evaluation.description,
    )
    create_audited(
        actor=actor,
        instance=EngagementBaseline(
            engagement=engagement, decision=decision, promises=promises_of(decision)
        ),
    )
    return engagement
