"""Writes about evaluations: criteria and weights, candidates and their checklists, scores,
the communication log, red flags, the decision and the engagement it starts.

Each is one transaction with audit events, and takes keyword-only arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import CLIENT_ROLES, User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.engagements.actions import create_engagement
from accord.engagements.models import Engagement
from accord.lib.slugs import unique_slug
from accord.selection import queries
from accord.selection.defaults import DEFAULT_CRITERIA, DEFAULT_TEMPLATE_NAME
from accord.selection.models import (
    CallOutcome,
    Candidate,
    ChecklistItem,
    ChecklistTopic,
    CommunicationEvent,
    CommunicationKind,
    CriteriaTemplate,
    Criterion,
    Decision,
    EngagementBaseline,
    Evaluation,
    EvaluationStatus,
    EvaluatorAssignment,
    RedFlag,
    Score,
)
from accord.vendors.models import CertificationKind, DocumentKind, Vendor

# Path segments under /selection/ that are pages, not evaluations.
RESERVED_SLUGS = frozenset({"new", "portal", "templates"})
HUNDRED = Decimal("100")

# --- Weights and templates ------------------------------------------------------------------


def _percent(value: Any, where: str) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"The weight of {where} must be a number such as 25.") from None
    if not Decimal(0) <= number <= HUNDRED:
        raise ValidationError(f"The weight of {where} must be between 0 and 100 %.")
    return number


def _check_level(weights: Sequence[Decimal], level: str) -> None:
    total = sum(weights, Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            f"The weights of {level} add up to {total.normalize():f} %; make them add up to 100 %."
        )


def validate_definition(definition: Sequence[Mapping[str, Any]]) -> None:
    """Check a criteria definition: names present, weights 0-100 adding up to 100 at each level."""
    if not definition:
        raise ValidationError("Give at least one criteria group.")
    for group in definition:
        name = str(group.get("name", "")).strip()
        if not name:
            raise ValidationError("Every criteria group needs a name.")
        subs = group.get("criteria") or []
        if not subs:
            raise ValidationError(f"The group “{name}” needs at least one sub-criterion.")
        if any(not str(sub.get("name", "")).strip() for sub in subs):
            raise ValidationError(f"Every sub-criterion of “{name}” needs a name.")
        _check_level(
            [_percent(s.get("weight"), f"“{s['name']}”") for s in subs],
            f"the sub-criteria of “{name}”",
        )
    _check_level(
        [_percent(g.get("weight"), f"“{g['name']}”") for g in definition], "the criteria groups"
    )


@transaction.atomic
def ensure_default_template() -> CriteriaTemplate:
    """The built-in template (five groups); created on first use."""
    template = CriteriaTemplate.objects.filter(name=DEFAULT_TEMPLATE_NAME).first()
    if template is None:
        template = create_audited(
            actor=None,
            instance=CriteriaTemplate(
                name=DEFAULT_TEMPLATE_NAME,
                description="Technology, scale, security, culture and cost.",
                definition=DEFAULT_CRITERIA,
            ),
        )
    return template


def _definition_of(evaluation: Evaluation) -> list[dict[str, Any]]:
    return [
        {
            "name": group.name,
            "weight": float(group.weight),
            "description": group.description,
            "criteria": [
                {
                    "name": sub.name,
                    "weight": float(sub.weight),
                    "description": sub.description,
                    "anchor_1": sub.anchor_1,
                    "anchor_3": sub.anchor_3,
                    "anchor_5": sub.anchor_5,
                }
                for sub in group.subs
            ],
        }
        for group in queries.groups_of(evaluation)
    ]


@transaction.atomic
def save_criteria_as_template(
    *, actor: User, evaluation: Evaluation, name: str, description: str = ""
) -> CriteriaTemplate:
    """Save an evaluation's criteria and weights as a template for later evaluations."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the template."})
    if CriteriaTemplate.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A template called “{name}” exists; choose another name."})
    definition = _definition_of(evaluation)
    validate_definition(definition)
    return create_audited(
        actor=actor,
        instance=CriteriaTemplate(
            name=name, description=description, definition=definition, created_by=actor
        ),
    )


def _evaluation_slug(name: str) -> str:
    slug = unique_slug(Evaluation, name)
    if slug in RESERVED_SLUGS:
        slug = unique_slug(Evaluation, f"{name} evaluation")
    return slug


@transaction.atomic
def create_evaluation_from_template(
    *,
    actor: User | None,
    name: str,
    template: CriteriaTemplate | None = None,
    evaluators: Iterable[User] = (),
    capabilities: Iterable[Any] = (),
    **requirements: Any,
) -> Evaluation:
    """Create an evaluation with the template's criteria (the default template unless given)."""
    template = template or ensure_default_template()
    validate_definition(template.definition)
    if not name.strip():
        raise ValidationError({"name": "Name the evaluation."})
    requirements.setdefault(
        "required_documents",
        [DocumentKind.SDLC, DocumentKind.SECURITY_POLICY, DocumentKind.INCIDENT_RESPONSE],
    )
    _check_requirement_kinds(requirements)
    evaluation = create_audited(
        actor=actor,
        instance=Evaluation(
            name=name.strip(),
            slug=_evaluation_slug(name),
            created_by=actor,
            **requirements,
        ),
        m2m={"capabilities": list(capabilities)},
    )
    for g_pos, group in enumerate(template.definition):
        parent = Criterion.objects.create(
            evaluation=evaluation,
            name=group["name"],
            description=group.get("description", ""),
            weight=_percent(group["weight"], group["name"]),
            position=g_pos,
        )
        Criterion.objects.bulk_create(
            Criterion(
                evaluation=evaluation,
                parent=parent,
                name=sub["name"],
                description=sub.get("description", ""),
                weight=_percent(sub["weight"], sub["name"]),
                anchor_1=sub.get("anchor_1", ""),
                anchor_3=sub.get("anchor_3", ""),
                anchor_5=sub.get("anchor_5", ""),
                position=s_pos,
            )
            for s_pos, sub in enumerate(group["criteria"])
        )
    for evaluator in evaluators:
        assign_evaluator(actor=actor, evaluation=evaluation, evaluator=evaluator)
    return evaluation


def _check_requirement_kinds(fields: Mapping[str, Any]) -> None:
    unknown_certs = set(fields.get("required_certifications") or []) - set(CertificationKind.values)
    if unknown_certs:
        raise ValidationError(
            {
                "required_certifications": "Unknown certificate kind(s): "
                f"{', '.join(sorted(unknown_certs))}."
            }
        )
    unknown_docs = set(fields.get("required_documents") or []) - set(DocumentKind.values)
    if unknown_docs:
        raise ValidationError(
            {"required_documents": f"Unknown document kind(s): {', '.join(sorted(unknown_docs))}."}
        )


@transaction.atomic
def update_requirements(
    *, actor: User, evaluation: Evaluation, capabilities: Iterable[Any] | None = None, **fields: Any
) -> Evaluation:
    """Change the requirements profile (or name, status, blind mode); flags are recomputed."""
    _check_requirement_kinds(fields)
    if "slug" in fields:
        raise ValidationError({"slug": "An evaluation's slug does not change."})
    m2m = {"capabilities": list(capabilities)} if capabilities is not None else None
    update_audited(actor=actor, instance=evaluation, fields=fields, m2m=m2m)
    refresh_red_flags(evaluation=evaluation)
    return evaluation


@transaction.atomic
def set_weights(*, actor: User, evaluation: Evaluation, weights: Mapping[int, Any]) -> None:
    """Set criterion weights (by criterion id); each level must still add up to 100 %."""
    groups = queries.groups_of(evaluation)
    known = {c.pk: c for g in groups for c in [g.criterion, *g.subs]}
    unknown = set(weights) - set(known)
    if unknown:
        raise ValidationError("Some weights are for criteria of another evaluation.")
    new = {pk: _percent(weights.get(pk, c.weight), f"“{c.name}”") for pk, c in known.items()}
    for group in groups:
        _check_level([new[s.pk] for s in group.subs], f"the sub-criteria of “{group.name}”")
    _check_level([new[g.pk] for g in groups], "the criteria groups")
    for pk, criterion in known.items():
        if criterion.weight != new[pk]:
            update_audited(actor=actor, instance=criterion, fields={"weight": new[pk]})


# --- Evaluators -----------------------------------------------------------------------------


@transaction.atomic
def assign_evaluator(
    *, actor: User | None, evaluation: Evaluation, evaluator: User
) -> EvaluatorAssignment:
    """Ask a client user to score the evaluation (they then see it)."""
    if evaluator.role not in CLIENT_ROLES:
        raise ValidationError({"evaluator": "Only client users can evaluate vendors."})
    existing = evaluation.assignments.filter(evaluator=evaluator).first()
    if existing is not None:
        return existing
    return create_audited(
        actor=actor, instance=EvaluatorAssignment(evaluation=evaluation, evaluator=evaluator)
    )


@transaction.atomic
def unassign_evaluator(*, actor: User, evaluation: Evaluation, evaluator: User) -> None:
    """Remove an evaluator who has not submitted; their draft scores go with them."""
    assignment = evaluation.assignments.filter(evaluator=evaluator).first()
    if assignment is None:
        return
    if assignment.submitted_at is not None:
        raise ValidationError(f"{evaluator.display_name} has submitted scores and stays assigned.")
    Score.objects.filter(candidate__evaluation=evaluation, evaluator=evaluator).delete()
    delete_audited(actor=actor, instance=assignment)


# --- Candidates and due diligence -----------------------------------------------------------


def _lower_first(label: str) -> str:
    """Lower-case the first letter only, keeping acronyms such as SDLC."""
    return label[:1].lower() + label[1:]


def _checklist_questions(evaluation: Evaluation) -> list[tuple[str, str, str]]:
    """(topic, subject, question) for each item the requirements call for."""
    items: list[tuple[str, str, str]] = [
        (
            ChecklistTopic.SECURITY_POLICY,
            "",
            "Share your data-security policy and say how it is practised (training, access "
            "reviews, audits).",
        )
    ]
    labels = dict(CertificationKind.choices)
    for kind in evaluation.required_certifications:
        items.append(
            (
                ChecklistTopic.CERTIFICATE,
                kind,
                f"Upload your current {labels.get(kind, kind)} certificate or attestation, with "
                "its validity dates.",
            )
        )
    doc_labels = dict(DocumentKind.choices)
    for kind in evaluation.required_documents:
        if kind == DocumentKind.SECURITY_POLICY:
            continue  # asked above
        items.append(
            (
                ChecklistTopic.PROCESS_DOCUMENT,
                kind,
                f"Upload your {_lower_first(doc_labels.get(kind, kind))}.",
            )
        )
    items += [
        (
            ChecklistTopic.CASE_STUDIES,
            "",
            "Describe two or three comparable projects"
            + (f" in {evaluation.industry.name}" if evaluation.industry else "")
            + ", with outcomes.",
        ),
        (ChecklistTopic.REFERENCES, "", "Name clients we may call as references."),
        (
            ChecklistTopic.PRICING,
            "",
            "Give a pricing breakdown by role and seniority, and list every fee that is not on "
            "your rate card.",
        ),
    ]
    if evaluation.team_size_needed:
        items.append(
            (
                ChecklistTopic.TEAM,
                "",
                f"How many engineers can you provide (we need {evaluation.team_size_needed}), "
                "and how fast can you scale up and down?",
            )
        )
    return items


def _sync_checklist(candidate: Candidate) -> None:
    """Add the checklist items the requirements call for that the candidate lacks yet."""
    have = set(candidate.checklist.values_list("topic", "subject"))
    new = [
        ChecklistItem(candidate=candidate, topic=t, subject=s, question=q, position=i)
        for i, (t, s, q) in enumerate(_checklist_questions(candidate.evaluation))
        if (t, s) not in have
    ]
    ChecklistItem.objects.bulk_create(new)


@transaction.atomic
def add_candidate(
    *,
    actor: User | None,
    evaluation: Evaluation,
    vendor: Vendor,
    proposed_team_size: int | None = None,
    extra_fees: str = "",
) -> Candidate:
    """Add a vendor as a candidate, generate its due-diligence checklist, and raise its flags."""
    if evaluation.candidates.filter(vendor=vendor).exists():
        raise ValidationError({"vendor": f"{vendor.name} is already a candidate."})
    candidate = create_audited(
        actor=actor,
        instance=Candidate(
            evaluation=evaluation,
            vendor=vendor,
            proposed_team_size=proposed_team_size,
            extra_fees=extra_fees,
        ),
    )
    _sync_checklist(candidate)
    refresh_red_flags(evaluation=evaluation)
    return candidate


@transaction.atomic
def update_candidate(*, actor: User, candidate: Candidate, **fields: Any) -> Candidate:
    """Change what a candidate proposes (team size, extra fees) or withdraw it."""
    update_audited(actor=actor, instance=candidate, fields=fields)
    refresh_red_flags(evaluation=candidate.evaluation)
    return candidate


@transaction.atomic
def invite_candidate(*, actor: User, candidate: Candidate) -> Candidate:
    """Open the candidate's checklist to its vendor's users in the portal."""
    _sync_checklist(candidate)
    if candidate.invited_at is None:
        update_audited(actor=actor, instance=candidate, fields={"invited_at": timezone.now()})
    return candidate


@transaction.atomic
def answer_checklist_item(
    *, actor: User, item: ChecklistItem, answer: str, evidence: File | None = None
) -> ChecklistItem:
    """A vendor lead answers one item of their own checklist, with optional evidence."""
    if not answer.strip() and evidence is None and not item.evidence:
        raise ValidationError({"answer": "Write an answer or attach evidence."})
    if item.candidate.evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; the checklist is closed.")
    fields: dict[str, Any] = {
        "answer": answer.strip(),
        "answered_by": actor,
        "answered_at": timezone.now(),
    }
    if evidence is not None:
        fields["evidence"] = evidence
        fields["evidence_name"] = getattr(evidence, "name", "")[:200]
    return update_audited(actor=actor, instance=item, fields=fields)


# --- Scores ---------------------------------------------------------------------------------


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


# --- Communication log and red flags --------------------------------------------------------


@transaction.atomic
def record_communication(
    *,
    actor: User | None,
    candidate: Candidate,
    kind: str,
    subject: str,
    occurred_at: dt.datetime,
    answered_at: dt.datetime | None = None,
    outcome: str = "",
) -> CommunicationEvent:
    """Log a question sent to the candidate (and its answer) or a call (and its outcome)."""
    if kind == CommunicationKind.QUESTION and outcome:
        raise ValidationError({"outcome": "Only calls have an outcome."})
    if kind == CommunicationKind.CALL and answered_at is not None:
        raise ValidationError({"answered_at": "Calls are held or missed, not answered."})
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": "A call is held or missed."})
    event = create_audited(
        actor=actor,
        instance=CommunicationEvent(
            candidate=candidate,
            kind=kind,
            subject=subject.strip(),
            occurred_at=occurred_at,
            answered_at=answered_at,
            outcome=outcome,
            recorded_by=actor,
        ),
    )
    refresh_red_flags(evaluation=candidate.evaluation)
    return event


@transaction.atomic
def refresh_red_flags(*, evaluation: Evaluation, now: dt.datetime | None = None) -> list[RedFlag]:
    """Run the rules for every candidate and store what fires.

    A flag whose rule still fires keeps its override unless it got worse (a warning became a
    blocker); a flag whose rule no longer fires is removed.
    """
    stored: list[RedFlag] = []
    for item in queries.candidate_evidence(evaluation, now=now):
        existing = {flag.rule: flag for flag in item.flags}
        for finding in item.findings:
            flag = existing.pop(finding.rule, None)
            if flag is None:
                flag = create_audited(
                    actor=None,
                    instance=RedFlag(
                        candidate=item.candidate,
                        rule=finding.rule,
                        severity=finding.severity,
                        explanation=finding.explanation,
                        evidence=finding.evidence,
                    ),
                )
            else:
                fields: dict[str, Any] = {
                    "severity": finding.severity,
                    "explanation": finding.explanation,
                    "evidence": finding.evidence,
                }
                if flag.severity != finding.severity and finding.severity == "blocker":
                    fields |= {"override_reason": "", "overridden_by": None, "overridden_at": None}
                if any(getattr(flag, k) != v for k, v in fields.items()):
                    flag = update_audited(actor=None, instance=flag, fields=fields)
            stored.append(flag)
        for gone in existing.values():
            delete_audited(actor=None, instance=gone)
    return stored


@transaction.atomic
def override_red_flag(*, actor: User, flag: RedFlag, reason: str) -> RedFlag:
    """A manager lets a flagged candidate into the recommendation, for a recorded reason."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the flag may be overridden."})
    return update_audited(
        actor=actor,
        instance=flag,
        fields={
            "override_reason": reason.strip(),
            "overridden_by": actor,
            "overridden_at": timezone.now(),
        },
    )


# --- Decision and engagement ----------------------------------------------------------------


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
