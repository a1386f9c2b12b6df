"""Criteria and weights: validating a definition, templates, weights per level, and editing
criteria (names, descriptions, 1/3/5 anchors, adding and removing groups and sub-criteria)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.selection import queries
from accord.selection.defaults import DEFAULT_CRITERIA, DEFAULT_TEMPLATE_NAME
from accord.selection.models import (
    CriteriaTemplate,
    Criterion,
    Evaluation,
    EvaluationStatus,
    EvaluatorAssignment,
    Score,
)

HUNDRED = Decimal("100")

# --- Weights and templates ------------------------------------------------------------------


def as_percent(value: Any, where: str) -> Decimal:
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
            [as_percent(s.get("weight"), f"“{s['name']}”") for s in subs],
            f"the sub-criteria of “{name}”",
        )
    _check_level(
        [as_percent(g.get("weight"), f"“{g['name']}”") for g in definition], "the criteria groups"
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
def create_criteria_template(
    *,
    actor: User | None,
    name: str,
    definition: Sequence[Mapping[str, Any]],
    description: str = "",
) -> CriteriaTemplate:
    """Save a criteria definition (groups, sub-criteria, weights, anchors) as a named template."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the template."})
    if CriteriaTemplate.objects.filter(name=name).exists():
        raise ValidationError({"name": f"A template called “{name}” exists; choose another name."})
    validate_definition(definition)
    return create_audited(
        actor=actor,
        instance=CriteriaTemplate(
            name=name, description=description, definition=list(definition), created_by=actor
        ),
    )


@transaction.atomic
def save_criteria_as_template(
    *, actor: User, evaluation: Evaluation, name: str, description: str = ""
) -> CriteriaTemplate:
    """Save an evaluation's criteria and weights as a template for later evaluations."""
    return create_criteria_template(
        actor=actor, name=name, definition=_definition_of(evaluation), description=description
    )


@transaction.atomic
def set_weights(*, actor: User, evaluation: Evaluation, weights: Mapping[int, Any]) -> None:
    """Set criterion weights (by criterion id); each level must still add up to 100 %."""
    _check_open(evaluation)
    groups = queries.groups_of(evaluation)
    known = {c.pk: c for g in groups for c in [g.criterion, *g.subs]}
    unknown = set(weights) - set(known)
    if unknown:
        raise ValidationError("Some weights are for criteria of another evaluation.")
    new = {pk: as_percent(weights.get(pk, c.weight), f"“{c.name}”") for pk, c in known.items()}
    for group in groups:
        _check_level([new[s.pk] for s in group.subs], f"the sub-criteria of “{group.name}”")
    _check_level([new[g.pk] for g in groups], "the criteria groups")
    for pk, criterion in known.items():
        if criterion.weight != new[pk]:
            update_audited(actor=actor, instance=criterion, fields={"weight": new[pk]})


# --- Editing criteria -----------------------------------------------------------------------

TEXT_FIELDS = ("name", "description", "anchor_1", "anchor_3", "anchor_5")


def _check_open(evaluation: Evaluation) -> None:
    if evaluation.status == EvaluationStatus.DECIDED:
        raise ValidationError("The evaluation is decided; its criteria no longer change.")


def _check_no_submissions(evaluation: Evaluation, doing: str) -> None:
    """Criteria are added only before anyone submits: a submitted sheet cannot be completed."""
    submitted = EvaluatorAssignment.objects.filter(
        evaluation=evaluation, submitted_at__isnull=False
    ).count()
    if submitted:
        raise ValidationError(
            f"{submitted} evaluator(s) have submitted their scores, so {doing} would leave it "
            "unscored by them; add criteria before anyone submits."
        )


def _text(fields: Mapping[str, Any]) -> dict[str, str]:
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValidationError(f"Only {', '.join(TEXT_FIELDS)} of a criterion can be edited here.")
    text = {name: str(value or "").strip() for name, value in fields.items()}
    if "name" in text and not text["name"]:
        raise ValidationError({"name": "Give the criterion a name."})
    return text


def _next_position(evaluation: Evaluation, parent: Criterion | None) -> int:
    last = evaluation.criteria.filter(parent=parent).order_by("-position").first()
    return last.position + 1 if last else 0


@transaction.atomic
def update_criterion(*, actor: User, criterion: Criterion, **fields: Any) -> Criterion:
    """Change a criterion's name, description or 1/3/5 anchors (until the decision)."""
    _check_open(criterion.evaluation)
    text = _text(fields)
    if criterion.is_group:
        text = {k: v for k, v in text.items() if not k.startswith("anchor_")}
    return update_audited(actor=actor, instance=criterion, fields=text)


@transaction.atomic
def add_criterion(
    *, actor: User, evaluation: Evaluation, parent: Criterion | None, **fields: Any
) -> Criterion:
    """Add a sub-criterion to a group, or a group (with its first sub-criterion, named the
    same) when `parent` is None. It starts at 0 % so every level still adds up to 100 %."""
    _check_open(evaluation)
    _check_no_submissions(evaluation, "a new criterion")
    if parent is not None and (parent.evaluation_id != evaluation.pk or not parent.is_group):
        raise ValidationError({"parent": "Choose a criteria group of this evaluation."})
    text = _text(fields)
    if "name" not in text:
        raise ValidationError({"name": "Give the criterion a name."})
    if parent is None:
        group_text = {k: v for k, v in text.items() if not k.startswith("anchor_")}
        group = create_audited(
            actor=actor,
            instance=Criterion(
                evaluation=evaluation,
                weight=Decimal(0),
                position=_next_position(evaluation, None),
                **group_text,
            ),
        )
        create_audited(
            actor=actor,
            instance=Criterion(
                evaluation=evaluation, parent=group, weight=HUNDRED, position=0, **text
            ),
        )
        return group
    return create_audited(
        actor=actor,
        instance=Criterion(
            evaluation=evaluation,
            parent=parent,
            weight=Decimal(0),
            position=_next_position(evaluation, parent),
            **text,
        ),
    )


def _rescaled(weights: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """The weights scaled to add up to 100 (equal shares when all are 0), to two decimals; the
    rounding remainder goes to the largest so the level adds up exactly."""
    if not weights:
        return {}
    total = sum(weights.values(), Decimal(0))
    if total == 0:
        raw = {pk: HUNDRED / len(weights) for pk in weights}
    else:
        raw = {pk: w * HUNDRED / total for pk, w in weights.items()}
    result = {pk: w.quantize(Decimal("0.01")) for pk, w in raw.items()}
    largest = max(result, key=lambda pk: (result[pk], -pk))
    result[largest] += HUNDRED - sum(result.values(), Decimal(0))
    return result


@transaction.atomic
def remove_criterion(*, actor: User, criterion: Criterion) -> None:
    """Remove a sub-criterion or a whole group that nobody has scored; the weights of the rest
    of its level are rescaled proportionally so the level still adds up to 100 %."""
    evaluation = criterion.evaluation
    _check_open(evaluation)
    scored = Score.objects.filter(criterion__in=[criterion, *criterion.children.all()]).count()
    if scored:
        raise ValidationError(
            f"“{criterion.name}” has {scored} score(s), so it can no longer be removed; "
            "set its weight to 0 % instead."
        )
    siblings = evaluation.criteria.filter(parent_id=criterion.parent_id).exclude(pk=criterion.pk)
    if not siblings.exists():
        raise ValidationError(
            f"“{criterion.name}” is the last "
            + ("criteria group" if criterion.is_group else "sub-criterion of its group")
            + "; add another before removing it."
        )
    for child in criterion.children.all():
        delete_audited(actor=actor, instance=child)
    delete_audited(actor=actor, instance=criterion)
    new = _rescaled({s.pk: s.weight for s in siblings})
    for sibling in siblings:
        if sibling.weight != new[sibling.pk]:
            update_audited(actor=actor, instance=sibling, fields={"weight": new[sibling.pk]})
