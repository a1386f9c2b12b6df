"""Selection objects for the route-by-role matrix: one evaluation per side.

The "own" evaluation has eve (the evaluator) assigned and Vistula as its candidate; the
"other" one has Deccan and no evaluator, so eve must get 404 there.
"""

from __future__ import annotations

from typing import Any

from accord.accounts.models import User
from accord.selection import actions
from accord.vendors.models import Vendor


def selection_objects(
    *, side: str, vendor: Vendor, manager: User, evaluator: User
) -> dict[str, Any]:
    """An evaluation with one candidate, its first checklist item and a red flag."""
    evaluation = actions.create_evaluation_from_template(
        actor=manager,
        name=f"{side} evaluation",
        evaluators=[evaluator] if side == "own" else [],
        required_certifications=["soc2_type2"],  # nobody holds it: a blocker on every candidate
    )
    candidate = actions.add_candidate(actor=manager, evaluation=evaluation, vendor=vendor)
    return {
        "evaluation": evaluation,
        "candidate": candidate,
        "checklist_item": candidate.checklist.first(),
        "red_flag": candidate.red_flags.first(),
        "criteria_template": actions.ensure_default_template(),
        "criterion": evaluation.criteria.filter(parent__isnull=False).first(),
    }
