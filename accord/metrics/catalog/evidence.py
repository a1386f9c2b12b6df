"""Evidence on demand: the labels and source links of the records a metric counted or excluded,
read only when someone asks for them (compute), never during a bulk recompute."""

from __future__ import annotations

from typing import Any

import numpy as np

from accord.delivery.models import Deployment, Incident, PullRequest, Sprint, WorkItem
from accord.metrics.catalog.base import EvidenceItem, Selection

CHUNK = 900

_LABELS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "work_item": (WorkItem, ("key", "title")),
    "pull_request": (PullRequest, ("repo", "number", "title")),
    "deployment": (Deployment, ("environment", "version", "commit_sha")),
    "incident": (Incident, ("title",)),
    "sprint": (Sprint, ("name",)),
}


def _evidence_model(kind: str) -> tuple[Any, tuple[str, ...]]:
    if kind == "manual_value":
        from accord.metrics.models import ManualValue

        return ManualValue, ("metric_key", "period_start", "note")
    if kind == "survey_response":
        from accord.metrics.models import SurveyResponse

        return SurveyResponse, ("kind", "score", "respondent")
    return _LABELS[kind]


def _label(kind: str, row: tuple[Any, ...]) -> str:
    if kind == "manual_value":
        return f"{row[0]} from {row[1]:%Y-%m-%d} {row[2]}".strip()
    if kind == "survey_response":
        return f"{str(row[0]).upper()} {row[1]} {row[2]}".strip()
    if kind == "pull_request":
        return f"{row[0]}#{row[1]} {row[2]}"
    if kind == "deployment":
        return f"{row[0]} {row[1] or (row[2] or '')[:8]}".strip()
    if kind == "work_item":
        return f"{row[0]} {row[1]}"
    return str(row[0])


def evidence_items(selection: Selection) -> list[EvidenceItem]:
    """The records of a selection with their labels and source links, in the selection's order."""
    if len(selection) == 0:
        return []
    model, fields = _evidence_model(selection.kind)
    has_url = any(f.name == "url" for f in model._meta.get_fields())
    ids = selection.ids.tolist()
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        rows = model.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(
            "id", *fields, *(["url"] if has_url else [])
        )
        for pk, *rest in rows:
            url = rest.pop() if has_url else ""
            found[pk] = (_label(selection.kind, tuple(rest)), url or "")
    values = selection.values
    return [
        EvidenceItem(
            kind=selection.kind,
            id=int(pk),
            label=found.get(int(pk), ("", ""))[0],
            url=found.get(int(pk), ("", ""))[1],
            value=None if values is None or np.isnan(values[i]) else round(float(values[i]), 6),
            reason=selection.reason,
        )
        for i, pk in enumerate(ids)
    ]
