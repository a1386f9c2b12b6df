"""Charts: one Vega-Lite spec for the page, drawn to SVG on the server for PDF reports."""

from __future__ import annotations

import json
import re

from accord.lib.charts import ChartPoint, chart_svg, drawable, sparkline_spec, trend_spec

POINTS = [
    ChartPoint("Sep 2026", 30.5, "/explain/sep"),
    ChartPoint("Oct 2026", None),
    ChartPoint("Nov 2026", 42.0, "/explain/nov"),
    ChartPoint("Dec 2026", 36.0, "/explain/dec"),
]


def _line_paths(svg: str) -> list[str]:
    return re.findall(r'<path d="(M[^"]+)" stroke="#206bc4"', svg)


def test_a_trend_chart_drawn_to_svg_holds_every_period_its_values_and_the_rules():
    # given a trend with a no-data month, a target and a warning threshold
    spec = trend_spec(POINTS, title="Cycle time p50", unit="hours", target=40, threshold=48)
    # when it is drawn on the server, as for a PDF
    svg = chart_svg(spec)
    # then the SVG is standalone and names every period on its axis
    assert svg.startswith("<svg")
    for label in ("Sep 2026", "Oct 2026", "Nov 2026", "Dec 2026"):
        assert f">{label}</text>" in svg
    # each value is a labelled point (screen readers read the same numbers)
    for said in ("Sep 2026: 30.5 hours", "Nov 2026: 42 hours", "Dec 2026: 36 hours"):
        assert f'aria-label="{said}"' in svg
    assert 'aria-label="Target: 40 hours"' in svg
    assert 'aria-label="Warning threshold: 48 hours"' in svg
    # the line breaks at the month without data: two sub-paths, the first a lone point
    (path,) = _line_paths(svg)
    assert path.count("M") == 2
    # the target and the threshold are drawn as dashed rules in their colours
    assert svg.count('stroke-dasharray="6,4"') == 2
    assert "#2fb344" in svg and "#f76707" in svg
    # and no link or address is left in a chart meant for print
    assert "href" not in svg and "vega.github" not in svg


def test_a_period_without_data_is_never_drawn_as_zero():
    # given a trend whose only values are around 40
    svg = chart_svg(trend_spec(POINTS, title="Cycle time p50", unit="hours"))
    # then no point is labelled with a zero value
    assert "Oct 2026:" not in svg
    assert ": 0 hours" not in svg


def test_specs_are_plain_json_without_outside_addresses():
    # given the two chart kinds
    specs = [trend_spec(POINTS, title="Throughput"), sparkline_spec(POINTS, title="Throughput")]
    for spec in specs:
        # then they serialise to JSON, fill their container, and name no outside host
        text = json.dumps(spec)
        assert "http" not in text
        assert spec["width"] == "container"
        assert "no data" in spec["description"]
    # and clicking a value of the trend leads to its explain page
    assert specs[0]["layer"][1]["encoding"]["href"] == {"field": "url", "type": "nominal"}


def test_a_sparkline_has_no_axes_and_a_fixed_width_in_svg():
    # given a sparkline
    svg = chart_svg(sparkline_spec(POINTS, title="Throughput"), width=160)
    # then it is small, has no axis, and still breaks at the missing month
    assert 'width="164"' in svg.split(">", 1)[0]
    assert "role-axis" not in svg
    (path,) = _line_paths(svg)
    assert path.count("M") == 2


def test_only_points_with_a_value_are_worth_drawing():
    assert drawable(POINTS)
    assert not drawable([ChartPoint("Oct 2026", None), ChartPoint("Nov 2026", None)])
    assert not drawable([])


def test_shares_read_as_percentages_on_a_scale_near_the_target():
    # given an availability trend around 99.8 % against a 99.9 % target
    points = [ChartPoint("Oct 2026", 0.998), ChartPoint("Nov 2026", 0.9995)]
    svg = chart_svg(trend_spec(points, title="Availability", unit="ratio", target=0.999))
    # then values, axis and rule read as percentages, and the axis does not start at zero
    assert 'aria-label="Oct 2026: 99.8 %"' in svg
    assert 'aria-label="Target: 99.9 %"' in svg
    assert ">99.9%</text>" in svg
    assert ">0%</text>" not in svg
