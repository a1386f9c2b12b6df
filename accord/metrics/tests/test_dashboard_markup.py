"""The dashboard's hand-built links and table rows read exactly as `reverse` + `urlencode` and the
template engine's escaping would have written them (they replace those for speed)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import json_script
from django.utils.http import urlencode

from accord.engagements.models import Engagement
from accord.lib.charts import ChartPoint, trend_spec
from accord.metrics.dashboard_views import KpiExplainUrls
from accord.metrics.models import KPI
from accord.metrics.templatetags.charts import vega_chart
from accord.metrics.templatetags.metric_format import metric_value, trend_rows

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
    shape = {"mark": "line", "title": "</script><!-- a & b >"}
    spec = {"description": "</script><!-- a & b >", "datasets": {"points": [{"value": 1.5}]}}
    # when it is placed on a page
    written = vega_chart(Context(), {**shape, **spec}, "trend", 7, css_class="accord-sparkline")
    # then its shape and its data are blocks exactly as Django's json_script writes them
    shape_id = re.search(r'data-vega-shape-id="([^"]+)"', written).group(1)
    assert written == (
        json_script(shape, shape_id)
        + '<div class="accord-chart accord-sparkline" id="trend-7" data-vega-spec-id="trend-7-spec"'
        f' data-vega-shape-id="{shape_id}"></div>' + json_script(spec, "trend-7-spec")
    )


def test_charts_of_one_shape_share_its_block():
    # given two trends of the same unit and rules, and one of another unit
    page = Context()
    items = trend_spec([ChartPoint("Oct", 1.0)], title="A", unit="items", target=2, threshold=1)
    others = trend_spec([ChartPoint("Oct", 5.0)], title="B", unit="items", target=9, threshold=8)
    hours = trend_spec([ChartPoint("Oct", 5.0)], title="C", unit="hours", target=9, threshold=8)
    # when they are placed on one page
    written = [vega_chart(page, spec, "trend", n) for n, spec in enumerate([items, others, hours])]
    # then the first of each shape brings the shape's block, the others name it
    shape_ids = [re.search(r'data-vega-shape-id="([^"]+)"', w).group(1) for w in written]
    assert shape_ids[0] == shape_ids[1] != shape_ids[2]
    assert [w.count(f'<script id="{i}"') for w, i in zip(written, shape_ids, strict=True)] == [
        1,
        0,
        1,
    ]
    # and each chart's own block holds its data and description only
    own = json.loads(
        re.search(r'id="trend-1-spec" type="application/json">(.*?)<', written[1]).group(1)
    )
    assert own == {"datasets": others["datasets"], "description": others["description"]}


@pytest.mark.parametrize(
    ("ratio", "shown"),
    [
        (1.0, "100.0 %"),
        (0.9997, "99.97 %"),  # not "100.0 %" beside a 99.9 % target
        (0.999, "99.9 %"),
        (0.12345, "12.3 %"),
        (0.0003, "0.03 %"),  # not "0.0 %"
        (0.95 - 0.91, "4.0 %"),  # float noise is not precision
        (0.0, "0.0 %"),
    ],
)
def test_a_percentage_keeps_the_decimals_that_tell_it_from_a_whole_number(
    ratio: float, shown: str
) -> None:
    assert metric_value(ratio, "ratio") == shown
