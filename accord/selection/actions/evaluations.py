"""Creating an evaluation from a template, its requirements profile and its evaluators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import CLIENT_ROLES, User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.lib.slugs import unique_slug
from accord.selection.actions.criteria import (
    as_percent,
    ensure_default_template,
    validate_definition,
)
from accord.selection.actions.flags import refresh_red_flags
from accord.selection.models import (
    CriteriaTemplate,
    Criterion,
    Evaluation,
    EvaluationStatus,
    EvaluatorAssignment,
    Score,
)
from accord.vendors.models import CertificationKind, DocumentKind

# Path segments under /selection/ that are pages, not evaluations.
RESERVED_SLUGS = frozenset({"new", "portal", "templates"})


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
            weight=as_percent(group["weight"], group["name"]),
            position=g_pos,
        )
        Criterion.objects.bulk_create(
            Criterion(
                evaluation=evaluation,
                parent=parent,
                name=sub["name"],
                description=sub.get("description", ""),
                weight=as_percent(sub["weight"], sub["name"]),
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
    """Change the requirements profile (or name, status, blind mode); flags are recomputed.

    An evaluation becomes decided only by recording its decision; once decided, only its name
    and description change, so the flags and report stay those the decision was taken on.
    """
    _check_requirement_kinds(fields)
    if "slug" in fields:
        raise ValidationError({"slug": "An evaluation's slug does not change."})
    decided = evaluation.status == EvaluationStatus.DECIDED
    if not decided and fields.get("status") == EvaluationStatus.DECIDED:
        raise ValidationError(
            {"status": "An evaluation becomes decided when its decision is recorded."}
        )
    if decided:
        changed = {k for k, v in fields.items() if getattr(evaluation, k) != v}
        if capabilities is not None and set(capabilities) != set(evaluation.capabilities.all()):
            changed.add("capabilities")
        if changed - {"name", "description"}:
            raise ValidationError(
                "The evaluation is decided; only its name and description change."
            )
    m2m = {"capabilities": list(capabilities)} if capabilities is not None else None
    update_audited(actor=actor, instance=evaluation, fields=fields, m2m=m2m)
    if not decided:
        refresh_red_flags(evaluation=evaluation)
    return evaluation


# --- Evaluators -----------------------------------------------------------------------------


@transaction.atomic
def assign_evaluator(
    *, actor: User | None, evaluation: Evaluation, evaluator: User
) -> EvaluatorAssignment:
    """Ask a client user to score the evaluation (they then see it); not once it is decided."""
    if evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; its evaluators no longer change.")
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
    """Remove an evaluator who has not submitted; their draft scores go with them. Not once the
    evaluation is decided."""
    if evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; its evaluators no longer change.")
    assignment = evaluation.assignments.filter(evaluator=evaluator).first()
    if assignment is None:
        return
    if assignment.submitted_at is not None:
        raise ValidationError(f"{evaluator.display_name} has submitted scores and stays assigned.")
    Score.objects.filter(candidate__evaluation=evaluation, evaluator=evaluator).delete()
    delete_audited(actor=actor, instance=assignment)
