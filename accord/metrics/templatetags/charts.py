"""`{% vega_chart spec "id" %}`: the placeholder and JSON blocks that accord/static/accord/charts.js
turns into a chart (scripts: metrics/includes/chart_scripts.html).

A spec is split in two: its data (the datasets and the description) in the chart's own block, and
the rest, its shape (marks, encodings, scales, config), in a block written once per page and
named by each chart that has that shape. A dashboard's 30 trends and 30 sparklines have a few
shapes between them (one per unit and rules), so each is sent once instead of with every chart.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# What differs from chart to chart of the same shape.
OWN_KEYS = frozenset({"datasets", "description"})


def _json(value: dict[str, Any]) -> str:
    # As `json_script` escapes, but by three `replace` calls: its `str.translate` walks a
    # dashboard's 60 specs (~200 KB) a character at a time in Python.
    return (
        json.dumps(value, cls=DjangoJSONEncoder)
        .replace("&", "\\u0026")
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
    )


def _script(script_id: str, data: str) -> SafeString:
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        script_id,
        mark_safe(data),  # noqa: S308 - JSON with <, > and & escaped by _json
    )


def _shapes_written(context: Context) -> set[str]:
    # One set per page: the render context's bottom layer lives for the whole render (each
    # included template pushes its own layer on top), so an include sees its parent's shapes.
    root = cast("dict[str, Any]", context.render_context.dicts[0])
    written: set[str] = root.setdefault("accord_vega_shapes", set())
    return written


@register.simple_tag(takes_context=True)
def vega_chart(
    context: Context, spec: dict[str, Any], *id_parts: object, css_class: str = ""
) -> SafeString:
    """A chart placeholder for `spec`; its id (the parts joined by "-") must be unique on the
    page: `{% vega_chart card.trend "trend" kpi.pk %}`. The shape's block comes before the
    first chart that has it."""
    chart_id = "-".join(str(part) for part in id_parts)
    spec_id = f"{chart_id}-spec"
    shape = _json({k: v for k, v in spec.items() if k not in OWN_KEYS})
    shape_id = f"vega-shape-{hashlib.sha256(shape.encode()).hexdigest()[:12]}"
    written = _shapes_written(context)
    first = shape_id not in written
    written.add(shape_id)
    return format_html(
        '{}<div class="accord-chart {}" id="{}" data-vega-spec-id="{}" data-vega-shape-id="{}">'
        "</div>{}",
        _script(shape_id, shape) if first else "",
        css_class,
        chart_id,
        spec_id,
        shape_id,
        _script(spec_id, _json({k: v for k, v in spec.items() if k in OWN_KEYS})),
    )
