"""The decision report: one context for HTML and PDF, and a hand-built SVG ranking chart.

The chart is plain SVG built here, so the browser and WeasyPrint draw the same picture with no
JavaScript and no external renderer.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accord.lib.reports import html_to_pdf, render_report
from accord.selection import queries
from accord.selection.models import Evaluation, Score
from accord.vendors.models import CertificationKind, DocumentKind

BAR_HEIGHT, GAP, LABEL_WIDTH, CHART_WIDTH = 22, 10, 190, 620


def ranking_svg(rows: list[queries.RankRow], recommended: Any = None) -> SafeString:
    """Horizontal bars of the weighted totals on the 1-5 scale, best first."""
    plot = CHART_WIDTH - LABEL_WIDTH - 50
    height = len(rows) * (BAR_HEIGHT + GAP) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-labelledby="chart-title">',
        '<title id="chart-title">Weighted totals by candidate, on a scale of 1 to 5</title>',
    ]
    for tick in range(6):
        x = LABEL_WIDTH + plot * tick / 5
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 20}" stroke="#dce1e7"/>'
            f'<text x="{x:.1f}" y="{height - 5}" font-size="11" text-anchor="middle" '
            f'fill="#667382">{tick}</text>'
        )
    for i, row in enumerate(rows):
        y = i * (BAR_HEIGHT + GAP) + 4
        width = plot * row.total / 5
        colour = (
            "#a8b1bd" if row.blocked else ("#2fb344" if row.candidate == recommended else "#206bc4")
        )
        name = escape(f"{row.rank}. {row.candidate.vendor.name}")
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" font-size="12" '
            f'text-anchor="end" fill="#1d273b">{name}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'font-size="12" fill="#1d273b">{row.total:.2f}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text node above is escaped


def report_context(evaluation: Evaluation) -> dict[str, Any]:
    """Everything the report shows: requirements, criteria, matrix, ranking, flags, rationale."""
    scores = list(
        Score.objects.filter(candidate__evaluation=evaluation, submitted=True).select_related(
            "evaluator", "criterion", "candidate__vendor"
        )
    )
    groups = queries.groups_of(evaluation)
    candidates = list(queries.candidates_of(evaluation).filter(status="active"))
    spreads = queries.aggregates(evaluation, scores)
    result = queries.ranking_for(evaluation, scores=scores)
    certs, docs = dict(CertificationKind.choices), dict(DocumentKind.choices)
    return {
        "evaluation": evaluation,
        "generated_at": timezone.now(),
        "groups": groups,
        "candidates": candidates,
        "matrix": [
            {
                "group": g,
                "subs": [
                    {"criterion": s, "cells": [spreads.get((c.pk, s.pk)) for c in candidates]}
                    for s in g.subs
                ],
            }
            for g in groups
        ],
        "result": result,
        "chart": ranking_svg(result.rows, result.recommended),
        "evidence": queries.candidate_evidence(evaluation),
        "rationales": sorted(
            scores,
            key=lambda s: (s.candidate.vendor.name, s.criterion.position, s.evaluator.username),
        ),
        "decision": getattr(evaluation, "decision", None),
        "required_certifications": [certs.get(k, k) for k in evaluation.required_certifications],
        "required_documents": [docs.get(k, k) for k in evaluation.required_documents],
        "assignments": evaluation.assignments.select_related("evaluator"),
    }


def render_html(evaluation: Evaluation, *, standalone: bool = False) -> str:
    """The report as HTML (no scripts); standalone copies (a file, the PDF) carry their styles."""
    return render_report(
        "selection/report/report.html",
        report_context(evaluation),
        stylesheets=["selection/report.css"],
        standalone=standalone,
    )


def render_pdf(evaluation: Evaluation) -> bytes:
    """The report as PDF, through WeasyPrint."""
    return html_to_pdf(render_html(evaluation, standalone=True))
