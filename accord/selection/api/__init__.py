"""The selection API: evaluations and what hangs off them, templates, and the vendor portal."""

from __future__ import annotations

from accord.selection.api.views import (
    CandidacyViewSet,
    CriteriaTemplateViewSet,
    EvaluationViewSet,
)

__all__ = ["CandidacyViewSet", "CriteriaTemplateViewSet", "EvaluationViewSet"]
