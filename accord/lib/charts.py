"""Charts from one definition for the page and for PDF reports.

A chart is a Vega-Lite spec built with Altair. Pages embed the spec as JSON and vega-embed draws
it in the browser (accord/static/accord/charts.js); PDF reports call `chart_svg`, which draws the
same spec to SVG offline with vl-convert, for WeasyPrint to place inline.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert

# Tabler's palette, so charts match the rest of the UI.
LINE_COLOR = "#206bc4"
TARGET_COLOR = "#2fb344"
THRESHOLD_COLOR = "#f76707"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
# Values in this unit are shares (0.95) and read as percentages (95 %).
RATIO = "ratio"
# Width used where a spec says "fill the container" but there is no container (PDF).
SVG_WIDTH = 640

Spec = dict[str, Any]


@dataclass(frozen=True)
class ChartPoint:
    """One period on a chart: its label on the axis, its value (None: no data), and where a click
    on it leads (the explain page of that period), if anywhere."""

    label: str
    value: float | None
    url: str = ""


def drawable(points: Sequence[ChartPoint]) -> bool:
    """Whether a chart of these points would show anything: a chart of periods that all lack
    data draws empty marks that screen readers cannot name, so pages say "no data" instead."""
    return any(p.value is not None for p in points)


def _said(value: float | None, unit: str = "") -> str:
    if value is None:
        return "no data"
    if unit == RATIO:
        return f"{value * 100:.4g} %"
    return f"{value:g} {unit}".strip()


def _rows(points: Sequence[ChartPoint], unit: str = "") -> list[dict[str, Any]]:
    # `said` is what a screen reader announces for the point (Vega's aria-label).
    return [
        {
            "period": p.label,
            "value": p.value,
            "url": p.url,
            "said": f"{p.label}: {_said(p.value, unit)}",
        }
        for p in points
    ]


def _finish(chart: alt.TopLevelMixin) -> Spec:
    # Validation against the Vega-Lite schema costs ~30 ms a chart; the builders here are fixed
    # and covered by tests, so dashboards with many cards skip it.
    spec: Spec = chart.to_dict(validate=False)
    # The schema URL names an outside host; vega-embed is told the mode instead.
    spec.pop("$schema", None)
    return spec


def trend_spec(
    points: Sequence[ChartPoint],
    *,
    title: str,
    unit: str = "",
    target: float | None = None,
    threshold: float | None = None,
    height: int = 220,
) -> Spec:
    """A line per period with no-data periods left as gaps, and rules at the target and at the
    warning threshold when given."""
    rows = _rows(points, unit)
    rules = {
        name: value
        for name, value in (("target", target), ("threshold", threshold))
        if value is not None
    }
    spec = json.loads(_trend_template(unit, tuple(rules), height))
    spec["datasets"] = {
        "points": rows,
        **{
            name: [{"y": value, "said": f"{RULE_NAMES[name]}: {_said(value, unit)}"}]
            for name, value in rules.items()
        },
    }
    extras = [f"{RULE_NAMES[name].lower()} {_said(value, unit)}" for name, value in rules.items()]
    described = "; ".join(row["said"] for row in rows)
    spec["description"] = (
        f"{title} by period{' (' + ', '.join(extras) + ')' if extras else ''}: {described}"
    )
    return spec


RULE_NAMES = {"target": "Target", "threshold": "Warning threshold"}
RULE_COLORS = {"target": TARGET_COLOR, "threshold": THRESHOLD_COLOR}


# Building a chart with Altair costs ~100 ms, too much for a dashboard of many KPIs, so each
# shape of chart is built once with named datasets, and each call only fills in the data.
@functools.lru_cache(maxsize=64)
def _trend_template(unit: str, rules: tuple[str, ...], height: int) -> str:
    number_format = ".1~%" if unit == RATIO else ",.4~f"
    x = alt.X("period:O", sort=None, title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True))
    # Not from zero: a KPI's story is its distance to the target (99.5 % against 99.9 %), which
    # a zero baseline flattens; the target and threshold rules keep the scale honest.
    y = alt.Y(
        "value:Q",
        title=None if unit == RATIO else (unit or None),
        scale=alt.Scale(zero=False, nice=True),
        axis=alt.Axis(format=number_format),
    )
    base = alt.Chart(alt.NamedData(name="points"))
    line = base.mark_line(
        color=LINE_COLOR, strokeWidth=2, invalid="break-paths-show-domains", aria=False
    ).encode(x=x, y=y)
    dots = (
        base.transform_filter("isValid(datum.value)")
        .mark_point(filled=True, size=60, color=LINE_COLOR, cursor="pointer")
        .encode(
            x=x,
            y=y,
            href=alt.Href("url:N"),
            description=alt.Description("said:N"),
            tooltip=alt.Tooltip("said:N"),
        )
    )
    layers: list[Any] = [line, dots]
    for name in rules:
        layers.append(
            alt.Chart(alt.NamedData(name=name))
            .mark_rule(color=RULE_COLORS[name], strokeDash=[6, 4], strokeWidth=1.5)
            .encode(y="y:Q", tooltip=alt.Tooltip("said:N"), description=alt.Description("said:N"))
        )
    chart = alt.layer(*layers).properties(width="container", height=height)
    chart = chart.configure(font=FONT).configure_view(strokeWidth=0)
    return json.dumps(_finish(chart))


def sparkline_spec(points: Sequence[ChartPoint], *, title: str) -> Spec:
    """A small line with no axes, for a card; no-data periods stay gaps."""
    spec = json.loads(_sparkline_template())
    # Only what the marks read: a sparkline links nowhere and is described as a whole (its marks
    # are hidden from screen readers), and a dashboard of 30 cards would carry ~40 KB of unread
    # links and labels.
    spec["datasets"] = {"points": [{"period": p.label, "value": p.value} for p in points]}
    values = ", ".join(_said(p.value) for p in points)
    spec["description"] = f"{title}, recent periods: {values}"
    return spec


@functools.lru_cache(maxsize=1)
def _sparkline_template() -> str:
    base = alt.Chart(alt.NamedData(name="points"))
    x = alt.X("period:O", sort=None, axis=None)
    line = base.mark_line(
        color=LINE_COLOR, strokeWidth=1.5, invalid="break-paths-show-domains", aria=False
    )
    dots = base.transform_filter("isValid(datum.value)").mark_point(
        filled=True, size=14, color=LINE_COLOR, aria=False
    )
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False))
    chart = (
        alt.layer(line.encode(x=x, y=y), dots.encode(x=x, y=y))
        .properties(width="container", height=36)
        .configure_view(strokeWidth=0)
    )
    spec = _finish(chart)
    spec["padding"] = 2
    return json.dumps(spec)


def chart_svg(spec: Spec, *, width: int = SVG_WIDTH) -> str:
    """The chart drawn to standalone SVG on the server (for PDF reports), same spec as the page."""
    fixed = copy.deepcopy(spec)
    if fixed.get("width") == "container":
        fixed["width"] = width
    # Links on points are page-relative; vl-convert would resolve them against an outside
    # default base, and a printed chart is not clicked, so they are dropped.
    for layer in fixed.get("layer", [fixed]):
        layer.get("encoding", {}).pop("href", None)
    # Data is always inline: the converter may fetch nothing.
    svg: str = vl_convert.vegalite_to_svg(fixed, allowed_base_urls=[])
    return svg
