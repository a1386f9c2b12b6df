"""`{% vega_chart spec "id" %}`: the placeholder and JSON block that accord/static/accord/charts.js
turns into a chart (scripts: metrics/includes/chart_scripts.html)."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def vega_chart(spec: dict[str, Any], *id_parts: object, css_class: str = "") -> SafeString:
    """A chart placeholder for `spec`; its id (the parts joined by "-") must be unique on the
    page: `{% vega_chart card.trend "trend" kpi.pk %}`."""
    chart_id = "-".join(str(part) for part in id_parts)
    spec_id = f"{chart_id}-spec"
    # As `json_script` escapes, but by three `replace` calls: its `str.translate` walks a
    # dashboard's 60 specs (~200 KB) a character at a time in Python.
    data = (
        json.dumps(spec, cls=DjangoJSONEncoder)
        .replace("&", "\\u0026")
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
    )
    return format_html(
        '<div class="accord-chart {}" id="{}" data-vega-spec-id="{}"></div>'
        '<script id="{}" type="application/json">{}</script>',
        css_class,
        chart_id,
        spec_id,
        spec_id,
        mark_safe(data),  # noqa: S308 - JSON with <, > and & escaped as above
    )
