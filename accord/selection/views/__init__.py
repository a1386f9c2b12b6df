"""Selection pages, split by subject. Each view asks the policy first whether the user may know
the evaluation exists (404 otherwise), then whether they may do this to it (403)."""

from __future__ import annotations

from accord.selection.views.candidates import (
    candidate_add,
    candidate_detail,
    candidate_invite,
    communication_add,
    flag_override,
    flags_refresh,
)
from accord.selection.views.criteria import (
    criteria,
    criterion_add,
    criterion_delete,
    criterion_edit,
    template_save,
    weights_save,
)
from accord.selection.views.evaluations import (
    evaluation_create,
    evaluation_detail,
    evaluation_edit,
    evaluation_list,
    evaluator_add,
)
from accord.selection.views.portal import portal, portal_answer, portal_checklist
from accord.selection.views.report import report_html, report_pdf
from accord.selection.views.results import decision, engagement_create, ranking, what_if
from accord.selection.views.scoring import score, score_submit

__all__ = [
    "candidate_add",
    "candidate_detail",
    "candidate_invite",
    "communication_add",
    "criteria",
    "criterion_add",
    "criterion_delete",
    "criterion_edit",
    "decision",
    "engagement_create",
    "evaluation_create",
    "evaluation_detail",
    "evaluation_edit",
    "evaluation_list",
    "evaluator_add",
    "flag_override",
    "flags_refresh",
    "portal",
    "portal_answer",
    "portal_checklist",
    "ranking",
    "report_html",
    "report_pdf",
    "score",
    "score_submit",
    "template_save",
    "weights_save",
    "what_if",
]
