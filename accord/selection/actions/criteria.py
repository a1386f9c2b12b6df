"""Criteria and weights: validating a definition, templates, weights per level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import User
from accord.audit.actions import create_audited, update_audited
from accord.selection import queries
from accord.selection.defaults import DEFAULT_CRITERIA, DEFAULT_TEMPLATE_NAME
from accord.selection.models import (
    CriteriaTemplate,
    Evaluation,
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
