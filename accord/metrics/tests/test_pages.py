"""The metrics pages: every metric for a period, the explanation of a value, the KPI dashboard,
the KPI form and the portfolio, for each role (vendor users see only their own engagements)."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from accord.audit.models import AuditEvent
from accord.metrics import actions
from accord.metrics import dashboard_views as pages
from accord.metrics.catalog import CATALOG
from accord.metrics.models import KPI
from accord.metrics.tests.builders import Delivery, at, month_start

pytestmark = pytest.mark.django_db

MARCH = {"kind": "month", "at": "2026-03-10"}


def _spec(html: str, spec_id: str) -> dict:
    """The chart spec a page embeds for charts.js under `spec_id`."""
    found = re.search(rf'<script id="{spec_id}" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def _points(spec: dict) -> list[dict]:
    """The per-period rows of a trend or sparkline."""
    return spec["datasets"]["points"]


def _rules(spec: dict) -> list[float]:
    """Where a trend draws its target and warning threshold."""
    return [spec["datasets"][name][0]["y"] for name in ("target", "threshold")]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def march_work(vistula_engagement):
    """Three items done in March 2026 at Vistula: two went through In Progress, one never did."""
    data = Delivery(vistula_engagement)
    data.item("A-1", created=at(1), moves=[(at(2), "In Progress"), (at(4), "Done")])
    data.item("A-2", created=at(1), moves=[(at(3), "In Progress"), (at(9), "Done")])
    data.item("A-3", created=at(5), moves=[(at(6), "Done")])
    return data.finish()


def _throughput_kpi(engagement, mark, **fields) -> KPI:
    kpi = actions.define_kpi(
        actor=mark,
        engagement=engagement,
        metric_key="throughput",
        target=fields.pop("target", 3),
        warning_threshold=fields.pop("warning_threshold", 2),
        **fields,
    )
    actions.recompute_engagement(engagement.pk)
    return kpi


# --- All metrics for a period -----------------------------------------------------------------


def test_the_metrics_page_shows_every_catalog_metric_by_group(mark, vistula_engagement, march_work):
    # when the manager opens March 2026
    response = _client(mark).get(
        reverse("metrics:engagement_metrics", args=[vistula_engagement.slug]), MARCH
    )
    # then every metric is there with a link to its explanation for the same period
    assert response.status_code == 200
    html = response.content.decode()
    for key in CATALOG:
        assert f'data-metric="{key}"' in html, key
    for group in ("Flow", "Sprints", "Code review", "DORA", "Quality", "Strategic"):
        assert f">{group}</h2>" in html
    assert "Mar 2026 · Everyone" in html
    # three items reached done in March; nothing was deployed, so DORA says "no data", not 0
    throughput = re.search(r'data-metric="throughput">([^<]+)<', html).group(1)
    assert throughput == "3 items"
    frequency = re.search(r'data-metric="deployment_frequency_per_week"[^>]*>([^<]+)<', html)
    assert frequency.group(1) == "no data"
    explain = reverse("metrics:explain", args=[vistula_engagement.slug, "throughput"])
    assert f'href="{explain}?kind=month&amp;at=2026-03-01"' in html


def test_the_period_picker_links_to_the_neighbouring_periods(mark, vistula_engagement):
    response = _client(mark).get(
        reverse("metrics:engagement_metrics", args=[vistula_engagement.slug]),
        {"kind": "quarter", "at": "2026-05-20", "affiliation": "client"},
    )
    html = response.content.decode()
    assert "Q2 2026 · Client (in-house)" in html
    assert 'href="?kind=quarter&amp;at=2026-01-01&amp;affiliation=client"' in html
    assert 'href="?kind=quarter&amp;at=2026-07-01&amp;affiliation=client"' in html


def test_a_custom_range_counts_its_last_day(mark, vistula_engagement, march_work):
    # given a range from 1 to 4 March, inclusive: only A-1 is done by then
    response = _client(mark).get(
        reverse("metrics:engagement_metrics", args=[vistula_engagement.slug]),
        {"kind": "custom", "start": "2026-03-01", "end": "2026-03-04"},
    )
    html = response.content.decode()
    assert "01 Mar 2026 to 04 Mar 2026" in html
    assert re.search(r'data-metric="throughput">([^<]+)<', html).group(1) == "1 items"


def test_a_custom_range_without_an_end_is_refused_in_one_sentence(mark, vistula_engagement):
    response = _client(mark).get(
        reverse("metrics:engagement_metrics", args=[vistula_engagement.slug]),
        {"kind": "custom", "start": "2026-03-01"},
    )
    assert response.status_code == 200
    assert "A custom range needs both a From and a To date." in response.content.decode()


def test_a_vendor_user_filters_by_their_own_vendor_only(lena, vistula_engagement, deccan):
    response = _client(lena).get(
        reverse("metrics:engagement_metrics", args=[vistula_engagement.slug])
    )
    html = response.content.decode()
    assert f'value="vendor:{vistula_engagement.vendor.organization_id}"' in html
    assert f'value="vendor:{deccan.organization_id}"' not in html
    assert "Deccan" not in html


@pytest.mark.parametrize("name", ["engagement_metrics", "dashboard"])
def test_another_vendors_engagement_is_not_found(name, lena, dev, deccan_engagement):
    url = reverse(f"metrics:{name}", args=[deccan_engagement.slug])
    assert _client(lena).get(url).status_code == 404
    assert _client(dev).get(url).status_code == 200


# --- One value explained ----------------------------------------------------------------------


def test_the_explain_page_shows_formula_items_exclusions_and_inputs(
    milo, vistula_engagement, march_work
):
    # when a vendor member opens March's cycle time p50
    url = reverse("metrics:explain", args=[vistula_engagement.slug, "cycle_time_p50_hours"])
    response = _client(milo).get(url, MARCH)
    # then the value, the formula, both counted items with links, and the excluded one with why
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(CATALOG["cycle_time_p50_hours"].formula) in html
    counted = html.split('data-testid="counted-items"')[1].split("</table>")[0]
    assert "A-1" in counted and "A-2" in counted and "A-3" not in counted
    assert 'href="http://127.0.0.1/browse/A-1"' in counted
    records = reverse("delivery:work_items", args=[vistula_engagement.slug])
    assert f'href="{records}?search=A-1"' in counted
    excluded = html.split('data-testid="excluded-items"')[1].split("</table>")[0]
    assert "A-3" in excluded and "done without ever being in progress" in excluded
    # the median of 48 h and 144 h
    assert re.search(r'data-testid="explained-value">([^<]+)<', html).group(1) == "96.0 h"
    assert 'data-testid="inputs"' in html
    # and a trend of the eight months up to March, each point leading to its own explanation
    spec = _spec(html, "explain-trend-spec")
    rows = _points(spec)
    assert [r["period"] for r in rows][-2:] == ["Feb 2026", "Mar 2026"]
    assert rows[-1]["value"] == 96.0 and rows[-2]["value"] is None
    assert rows[-2]["url"].endswith("at=2026-02-01")


def test_long_evidence_lists_are_paginated(monkeypatch, mark, vistula_engagement, march_work):
    # given pages of one item
    monkeypatch.setattr(pages, "EVIDENCE_PAGE_SIZE", 1)
    url = reverse("metrics:explain", args=[vistula_engagement.slug, "throughput"])
    # when the second page of counted items is asked for
    response = _client(mark).get(url, {**MARCH, "counted": 2})
    html = response.content.decode()
    # then it shows one item and links on to the third, keeping the period
    counted = html.split('data-testid="counted-items"')[1].split("</nav>")[0]
    assert counted.count("<tr>") == 2  # header and one item
    assert "2\N{EN DASH}2 of 3" in counted
    assert "kind=month&amp;at=2026-03-10&amp;counted=3&amp;excluded=1" in counted
    assert 'hx-target="#counted"' in counted


def test_an_unknown_metric_is_not_found(mark, vistula_engagement):
    url = reverse("metrics:explain", args=[vistula_engagement.slug, "happiness"])
    assert _client(mark).get(url).status_code == 404


def test_explaining_a_kpi_period_shows_its_status_and_target(mark, vistula_engagement, march_work):
    kpi = _throughput_kpi(vistula_engagement, mark, target=4, warning_threshold=2)
    url = reverse("metrics:explain", args=[vistula_engagement.slug, "throughput"])
    html = _client(mark).get(url, {**MARCH, "kpi": kpi.pk}).content.decode()
    assert 'data-testid="kpi-status">At risk<' in html
    spec = _spec(html, "explain-trend-spec")
    assert _rules(spec) == [4, 2]


# --- KPI dashboard ----------------------------------------------------------------------------


def test_the_dashboard_shows_each_kpi_with_status_value_and_charts(
    mark, vistula_engagement, recent_work
):
    # given a monthly throughput KPI with a target of 3 a month
    kpi = _throughput_kpi(vistula_engagement, mark)
    # when the manager opens the dashboard
    response = _client(mark).get(reverse("metrics:dashboard", args=[vistula_engagement.slug]))
    html = response.content.decode()
    # then the card judges the last month that has ended (3 items: on track), not the current one
    assert response.status_code == 200
    assert kpi.name in html
    assert 'data-testid="status">On track<' in html
    assert 'data-testid="kpi-value">3 items<' in html
    assert f'data-testid="kpi-period">{month_start(1):%b %Y}<' in html
    sparkline = _spec(html, f"spark-{kpi.pk}-spec")
    values = [row["value"] for row in _points(sparkline)]
    assert values[-3:] == [1.0, 3.0, None] and len(values) == 12
    trend = _spec(html, f"trend-{kpi.pk}-spec")
    assert _rules(trend) == [3, 2]
    # each point and the value open the explain page for that KPI period
    last_month = month_start(1).date().isoformat()
    assert _points(trend)[-2]["url"].endswith(f"kind=month&at={last_month}&kpi={kpi.pk}")
    # and, for keyboards and screen readers, the same values as a table linking to them
    link = _points(trend)[-2]["url"].replace("&", "&amp;")
    assert f'<a href="{link}">3 items<' in html
    assert "Values by period" in html
    # with the exports and the manager's buttons
    assert reverse("metrics:measurements_export", args=[vistula_engagement.slug, "xlsx"]) in html
    assert reverse("metrics:kpi_add", args=[vistula_engagement.slug]) in html
    assert "vendor/vega-embed/vega-embed.min.js" in html


def test_vendor_users_see_their_kpis_but_no_manager_buttons(
    mark, lena, vistula_engagement, recent_work
):
    kpi = _throughput_kpi(vistula_engagement, mark)
    html = (
        _client(lena)
        .get(reverse("metrics:dashboard", args=[vistula_engagement.slug]))
        .content.decode()
    )
    assert kpi.name in html
    assert reverse("metrics:kpi_add", args=[vistula_engagement.slug]) not in html
    assert reverse("metrics:kpi_edit", args=[vistula_engagement.slug, kpi.pk]) not in html


def test_the_dashboard_reads_a_fixed_number_of_queries(mark, vistula_engagement, recent_work):
    def queries_for_dashboard() -> int:
        client = _client(mark)
        url = reverse("metrics:dashboard", args=[vistula_engagement.slug])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    _throughput_kpi(vistula_engagement, mark)
    one = queries_for_dashboard()
    for key in ("wip", "lead_time_p50_hours", "cycle_time_p85_hours"):
        actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key=key,
            target=10,
            warning_threshold=20,
            better="lower",
        )
    actions.recompute_engagement(vistula_engagement.pk)
    assert queries_for_dashboard() == one


# --- Defining KPIs ----------------------------------------------------------------------------


def test_a_manager_adds_a_kpi_through_the_form(mark, vistula_engagement):
    response = _client(mark).post(
        reverse("metrics:kpi_add", args=[vistula_engagement.slug]),
        {
            "metric_key": "cycle_time_p50_hours",
            "name": "",
            "target": "48",
            "warning_threshold": "72",
            "better": "",
            "period_kind": "week",
            "affiliation": f"vendor:{vistula_engagement.vendor.organization_id}",
        },
    )
    assert response.status_code == 302
    kpi = KPI.objects.get(engagement=vistula_engagement)
    assert kpi.name == CATALOG["cycle_time_p50_hours"].label
    assert (kpi.better, kpi.period_kind) == ("lower", "week")
    assert AuditEvent.objects.filter(object_type="metrics.kpi", action="create").count() == 1


def test_a_threshold_on_the_wrong_side_is_refused_and_nothing_is_written(mark, vistula_engagement):
    response = _client(mark).post(
        reverse("metrics:kpi_add", args=[vistula_engagement.slug]),
        {
            "metric_key": "throughput",
            "target": "10",
            "warning_threshold": "12",
            "period_kind": "month",
        },
    )
    assert response.status_code == 400
    assert "must not be above the target" in response.content.decode()
    assert not KPI.objects.exists()


@pytest.mark.parametrize("role", ["victor", "eve", "lena"])
def test_only_managers_change_kpis(role, request, mark, vistula_engagement):
    user = request.getfixturevalue(role)
    kpi = _throughput_kpi(vistula_engagement, mark)
    client = _client(user)
    assert client.get(reverse("metrics:kpi_add", args=[vistula_engagement.slug])).status_code == 403
    edit = reverse("metrics:kpi_edit", args=[vistula_engagement.slug, kpi.pk])
    assert client.post(edit, {"target": "1"}).status_code == 403
    stop = reverse("metrics:kpi_deactivate", args=[vistula_engagement.slug, kpi.pk])
    assert client.post(stop).status_code == 403
    assert KPI.objects.get(pk=kpi.pk).active


def test_a_manager_edits_and_stops_a_kpi(mark, vistula_engagement):
    kpi = _throughput_kpi(vistula_engagement, mark)
    client = _client(mark)
    edit = reverse("metrics:kpi_edit", args=[vistula_engagement.slug, kpi.pk])
    # the form opens with the KPI's values
    assert 'value="3.0"' in client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "metric_key": "throughput",
            "name": "Items a month",
            "target": "5",
            "warning_threshold": "3",
            "better": "higher",
            "period_kind": "month",
            "affiliation": "",
        },
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.name, kpi.target, kpi.warning_threshold) == ("Items a month", 5, 3)
    client.post(reverse("metrics:kpi_deactivate", args=[vistula_engagement.slug, kpi.pk]))
    kpi.refresh_from_db()
    assert not kpi.active


def test_another_vendors_kpi_is_not_found_even_by_id(
    mark, dev, vistula_engagement, deccan_engagement
):
    kpi = _throughput_kpi(vistula_engagement, mark)
    url = reverse("metrics:kpi_edit", args=[deccan_engagement.slug, kpi.pk])
    assert _client(mark).get(url).status_code == 404  # not this engagement's
    assert _client(dev).get(url).status_code == 404


# --- Portfolio --------------------------------------------------------------------------------


def test_the_portfolio_puts_engagements_side_by_side(
    mark, lena, vistula_engagement, deccan_engagement, recent_work
):
    # given the same KPI on both engagements
    _throughput_kpi(vistula_engagement, mark)
    _throughput_kpi(deccan_engagement, mark)
    # when the manager opens the portfolio
    html = _client(mark).get(reverse("metrics:portfolio")).content.decode()
    # then both engagements are rows under one throughput column
    table = html.split('data-testid="portfolio"')[1]
    assert vistula_engagement.name in table and deccan_engagement.name in table
    assert table.count(">Throughput</th>") == 1
    # and a vendor user sees only their own engagement
    html = _client(lena).get(reverse("metrics:portfolio")).content.decode()
    assert vistula_engagement.name in html and deccan_engagement.name not in html


def test_the_portfolio_reads_a_fixed_number_of_queries(mark, vistula_engagement, deccan_engagement):
    def count() -> int:
        client = _client(mark)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("metrics:portfolio")).status_code == 200
        return len(captured)

    _throughput_kpi(vistula_engagement, mark)
    one = count()
    _throughput_kpi(deccan_engagement, mark)
    actions.define_kpi(
        actor=mark,
        engagement=deccan_engagement,
        metric_key="wip",
        target=5,
        warning_threshold=8,
        better="lower",
    )
    actions.recompute_engagement(deccan_engagement.pk)
    assert count() == one


def test_a_trend_without_any_data_is_said_in_words_not_drawn(mark, vistula_engagement):
    # given an engagement without delivery data
    url = reverse("metrics:explain", args=[vistula_engagement.slug, "throughput"])
    # when a value is explained
    html = _client(mark).get(url, MARCH).content.decode()
    # then the page says so instead of drawing empty marks a screen reader cannot name
    assert "No data in this period or the seven before it." in html
    assert "data-vega-spec-id" not in html
    assert re.search(r'data-testid="explained-value">([^<]+)<', html).group(1) == "no data"
