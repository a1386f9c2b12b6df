"""Writes about evaluations: criteria and weights, candidates and their checklists, scores,
the communication log, red flags, the decision and the engagement it starts.

Each is one transaction with audit events, and takes keyword-only arguments. The modules are
split by subject; everything is re-exported here so callers write `actions.record_score(...)`.
"""

from __future__ import annotations

from accord.selection.actions.candidates import (
    add_candidate,
    answer_checklist_item,
    invite_candidate,
    update_candidate,
)
from accord.selection.actions.criteria import (
    add_criterion,
    create_criteria_template,
    ensure_default_template,
    remove_criterion,
    save_criteria_as_template,
    set_weights,
    update_criterion,
    validate_definition,
)
from accord.selection.actions.decisions import (
    create_engagement_from_decision,
    promises_of,
    record_decision,
)
from accord.selection.actions.evaluations import (
    RESERVED_SLUGS,
    assign_evaluator,
    create_evaluation_from_template,
    unassign_evaluator,
    update_requirements,
)
from accord.selection.actions.flags import (
    claim_due_flag_refreshes,
    override_red_flag,
    record_communication,
    refresh_red_flags,
    refresh_vendor_flags,
    schedule_flag_refreshes,
)
from accord.selection.actions.scores import record_score, submit_scores

__all__ = [
    "RESERVED_SLUGS",
    "add_candidate",
    "add_criterion",
    "answer_checklist_item",
    "assign_evaluator",
    "claim_due_flag_refreshes",
    "create_criteria_template",
    "create_engagement_from_decision",
    "create_evaluation_from_template",
    "ensure_default_template",
    "invite_candidate",
    "override_red_flag",
    "promises_of",
    "record_communication",
    "record_decision",
    "record_score",
    "refresh_red_flags",
    "refresh_vendor_flags",
    "remove_criterion",
    "save_criteria_as_template",
    "schedule_flag_refreshes",
    "set_weights",
    "submit_scores",
    "unassign_evaluator",
    "update_candidate",
    "update_criterion",
    "update_requirements",
    "validate_definition",
]
