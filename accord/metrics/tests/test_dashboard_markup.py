"""The dashboard's hand-built links and table rows read exactly as `reverse` + `urlencode` and the
template engine's escaping would have written them (they replace those for speed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.http import urlencode

from accord.engagements.models import Engagement
from accord.lib.charts import ChartPoint
from accord.metrics.dashboard_views import KpiExplainUrls
from accord.metrics.models import KPI
from accord.metrics.templatetags.charts import vega_chart
from accord.metrics.templatetags.metric_format import trend_rows

START = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("affiliation", ["", "vendor:3", "Team A&B / ünïcode+?"])
def test_a_kpi_explain_link_reads_as_reverse_and_urlencode_write_it(affiliation):
    # given a KPI, with or without an affiliation that needs quoting
    engagement = Engagement(slug="vistula-web")
    kpi = KPI(pk=7, engagement=engagement, metric_key="throughput", period_kind="month")
    kpi.affiliation = affiliation
    # when its link to a period is built from the cached head and tail
    url = KpiExplainUrls(engagement, kpi).at(START)
    # then it is the link built the plain way
    query = {"kind": "month", "at": "2026-10-01", "kpi": "7"}
    if affiliation:
        query["affiliation"] = affiliation
    path = reverse("metrics:explain", args=["vistula-web", "throughput"])
    assert url == f"{path}?{urlencode(query)}"


def test_trend_rows_read_as_the_template_loop_wrote_them():
    # given points with markup in a label and a link, one without a link, one without data
    points = [
        ChartPoint(label="Week <1>", value=3.0, url="/x/?a=1&b=2"),
        ChartPoint(label="Week 2 & 3", value=None, url=""),
        ChartPoint(label="Q4 2026", value=0.25, url="/y/"),
    ]
    loop = Template(
        '{% load metric_format %}{% for point in points %}<tr><th scope="row" '
        'class="fw-normal">{{ point.label }}</th><td class="text-end">{% if point.url %}'
        '<a href="{{ point.url }}">{{ point.value|metric_value:unit }}<span '
        'class="visually-hidden"> — explain {{ point.label }}</span></a>{% else %}'
        "{{ point.value|metric_value:unit }}{% endif %}</td></tr>{% endfor %}"
    )
    for unit in ("ratio", "items"):
        # when the rows are written by the tag
        written = trend_rows(points, unit)
        # then they are the loop's rows, escaped the same way
        assert written == loop.render(Context({"points": points, "unit": unit}))
        assert "&lt;1&gt;" in written and "a=1&amp;b=2" in written


def test_a_chart_spec_is_embedded_as_json_script_would_embed_it():
    # given a spec whose text could close the script element or open a comment
    spec = {"description": "</script><!-- a & b >", "datasets": {"points": [{"value": 1.5}]}}
    # when it is placed on a page
    written = vega_chart(spec, "trend", 7, css_class="accord-sparkline")
    # then the JSON block is exactly Django's json_script
    assert written == (
        '<div class="accord-chart accord-sparkline" id="trend-7" data-vega-spec-id="trend-7-spec">'
        "</div>" + json_script(spec, "trend-7-spec")
    )
