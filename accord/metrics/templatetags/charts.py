"""`{% vega_chart spec "id" %}`: the placeholder and JSON block that accord/static/accord/charts.js
turns into a chart (scripts: metrics/includes/chart_scripts.html)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def vega_chart(spec: dict[str, Any], *id_parts: object, css_class: str = "") -> SafeString:
    """A chart placeholder for `spec`; its id (the parts joined by "-") must be unique on the
    page: `{% vega_chart card.trend "trend" kpi.pk %}`."""
    chart_id = "-".join(str(part) for part in id_parts)
    spec_id = f"{chart_id}-spec"
    return format_html(
        '<div class="accord-chart {}" id="{}" data-vega-spec-id="{}"></div>{}',
        css_class,
        chart_id,
        spec_id,
        json_script(spec, spec_id),
    )
