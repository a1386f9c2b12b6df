"""The KPI report: its content in the preview and the PDF, its charts drawn from the dashboard's
own chart definition, who may have it, and `accord kpis report`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zoneinfo
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.cli import main
from accord.lib.charts import chart_svg
from accord.metrics import actions
from accord.metrics.report import (
    CHART_HEIGHT,
    CHART_WIDTH,
    ReportSpan,
    build_report,
    change_text,
)
from accord.metrics.tests.builders import Delivery, at
from conftest import logged_in

pytestmark = pytest.mark.django_db

FIRST_QUARTER = {"start": "2026-01-01", "end": "2026-03-31"}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


@pytest.fixture
def kpis(vistula_engagement, mark):
    """Four monthly KPIs over February and March 2026 at Vistula.

    Throughput: 1 item done in February, 3 in March (target 3). Cycle time p50: 24 h in
    February, the median of 48 h and 144 h (96 h) in March, A-3 excluded as done without a
    start (target 72 h, warning at 120 h). CSAT: nothing recorded. Retention: 96 % entered by
    hand for March by mark."""
    data = Delivery(vistula_engagement)
    data.item(
        "B-1",
        created=at(2, month=2),
        moves=[(at(3, month=2), "In Progress"), (at(4, month=2), "Done")],
    )
    data.item("A-1", created=at(1), moves=[(at(2), "In Progress"), (at(4), "Done")])
    data.item("A-2", created=at(1), moves=[(at(3), "In Progress"), (at(9), "Done")])
    data.item("A-3", created=at(5), moves=[(at(6), "Done")])
    data.finish()
    defined = {}
    for key, target, threshold in (
        ("throughput", 3, 2),
        ("cycle_time_p50_hours", 72, 120),
        ("csat", 0.8, 0.7),
        ("retention", 0.95, 0.9),
    ):
        defined[key] = actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key=key,
            target=target,
            warning_threshold=threshold,
        )
    actions.record_manual_value(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="retention",
        period_start=at(1),
        period_end=at(1, month=4),
        value=0.96,
        note="Two of fifty customers left",
    )
    actions.recompute_engagement(vistula_engagement.pk)
    return defined


def _preview(user, engagement, query=FIRST_QUARTER):
    return logged_in(user).get(reverse("metrics:report", args=[engagement.slug]), query)


def _summary_row(html: str, name: str) -> list[str]:
    """The cells of a KPI's summary row, as text."""
    summary = html.split('<table class="summary">')[1].split("</table>")[0]
    row = next(r for r in summary.split("<tr>") if f">{name}</a>" in r)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.split(r"</t[hd]>", row)][:7]


def _section(html: str, kpi) -> str:
    return html.split(f'id="kpi-{kpi.pk}"')[1].split("</section>")[0]


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- Content ----------------------------------------------------------------------------------


def test_the_summary_gives_each_kpi_its_value_target_status_and_change(
    mark, vistula_engagement, kpis
):
    # when the manager previews the first quarter of 2026
    response = _preview(mark, vistula_engagement)

    # then each KPI is judged by March, against February
    assert response.status_code == 200
    html = response.content.decode()
    assert _summary_row(html, "Throughput") == [
        "Throughput",
        "Mar 2026",
        "3 items",
        "3 items",
        "2 items",
        "On track",
        "+2 items (better)",
    ]
    assert _summary_row(html, "Cycle time (p50)") == [
        "Cycle time (p50)",
        "Mar 2026",
        "96.0 h",
        "72.0 h",
        "120.0 h",
        "At risk",
        "+72.0 h (worse)",
    ]
    # a KPI with nothing recorded says so, never 0
    assert _summary_row(html, "Customer satisfaction (CSAT)")[2:] == [
        "no data",
        "80.0 %",
        "70.0 %",
        "No data",
        "no data",
    ]
    assert "No data in any of these periods." in _section(html, kpis["csat"])
    assert "<svg" not in _section(html, kpis["csat"])
    assert "1 Jan 2026 to 31 Mar 2026" in html
    # the PDF link keeps the chosen days; the page links its styles, as the CSP wants
    assert "report.pdf?start=2026-01-01&amp;end=2026-03-31" in html
    assert "metrics/report.css" in html and "<style>" not in html
    assert "Generated " in html and "(UTC) by mark" in html


def test_each_kpi_explains_its_formula_evidence_and_hand_entered_values(
    mark, vistula_engagement, kpis
):
    html = _preview(mark, vistula_engagement).content.decode()

    cycle = _section(html, kpis["cycle_time_p50_hours"])
    assert "Median of done - started (first entry to an in-progress status)" in cycle
    assert "Evidence for Mar 2026</span> 2 records counted, 1 excluded" in cycle
    # and the preview opens them on the explain page of the same KPI and month
    explain = reverse("metrics:explain", args=[vistula_engagement.slug, "cycle_time_p50_hours"])
    pk = kpis["cycle_time_p50_hours"].pk
    assert f'href="{explain}?kind=month&amp;at=2026-03-01&amp;kpi={pk}"' in cycle
    retention = _section(html, kpis["retention"])
    assert "Values entered by hand" in retention
    assert "Two of fifty customers left" in retention
    assert "96.0 %" in retention and "mark, " in retention


def test_the_chart_is_the_dashboards_trend_drawn_to_svg(mark, vistula_engagement, kpis):
    # given the trend spec the dashboard gives the browser for throughput over the same months
    throughput = kpis["throughput"]
    html = _preview(mark, vistula_engagement).content.decode()
    svg = _section(html, throughput).split("<svg", 1)[1].split("</svg>")[0]
    assert svg.count("<path") > 3

    # then the report's SVG is what chart_svg draws from that very spec
    from accord.lib.charts import ChartPoint, trend_spec

    spec = trend_spec(
        [ChartPoint("Jan 2026", None), ChartPoint("Feb 2026", 1.0), ChartPoint("Mar 2026", 3.0)],
        title="Throughput",
        unit="items",
        target=3,
        threshold=2,
        height=CHART_HEIGHT,
    )
    assert f"<svg{svg}</svg>" == chart_svg(spec, width=CHART_WIDTH)


def test_a_kpi_name_cannot_inject_markup_through_the_chart(mark, vistula_engagement, kpis):
    kpi = kpis["throughput"]
    actions.edit_kpi(
        actor=mark,
        kpi=kpi,
        metric_key=kpi.metric_key,
        name="<script>alert(1)</script>",
        target=3,
        warning_threshold=2,
        better=kpi.better,
        period_kind=kpi.period_kind,
        affiliation="",
    )
    html = _preview(mark, vistula_engagement).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@needs_poppler
def test_the_pdf_carries_the_summary_the_charts_and_no_data(
    mark, vistula_engagement, kpis, tmp_path
):
    # when the manager downloads the PDF of the first quarter
    response = logged_in(mark).get(
        reverse("metrics:report_pdf", args=[vistula_engagement.slug]), FIRST_QUARTER
    )

    # then it is a PDF with every KPI, its value and status, and "no data" where nothing was
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{vistula_engagement.slug}-kpis-'
    )
    text = _pdf_text(response.content, tmp_path)
    for words in ("Throughput", "Cycle time (p50)", "Customer satisfaction (CSAT)", "96.0 h"):
        assert words in text
    assert "On track" in text and "At risk" in text and "No data" in text and "no data" in text
    # and the charts drew their axes: February, shown only on the charts, once per drawn chart
    assert text.count("Feb 2026") == 3
    # and no audit event: a report is a read, as the decision report is
    assert not AuditEvent.objects.filter(action__icontains="report").exists()


def test_a_start_in_the_future_shows_no_data(mark, vistula_engagement, kpis):
    span = ReportSpan(since=at(1, month=6))
    built = build_report(vistula_engagement, user=mark, span=span, zone=dt.UTC, now=at(15, month=4))
    throughput = next(s for s in built.sections if s.kpi == kpis["throughput"])
    assert (throughput.period, throughput.value, throughput.status) == ("Jun 2026", None, "no_data")
    assert throughput.chart is None


def test_times_read_in_the_viewers_zone(mark, vistula_engagement, kpis):
    # given the manager reads times in Warsaw, an hour ahead of UTC in winter
    mark.time_zone = "Europe/Warsaw"
    mark.save(update_fields=["time_zone"])
    recorded = kpis["retention"].engagement.manual_values.get().recorded_at
    html = _preview(mark, vistula_engagement).content.decode()
    local = recorded.astimezone(zoneinfo.ZoneInfo("Europe/Warsaw"))
    assert "(Europe/Warsaw) by mark" in html
    assert f"mark, {local.day} {local:%b %Y %H:%M}" in _section(html, kpis["retention"])


def test_wrong_dates_are_one_sentence_next_to_the_picker(mark, vistula_engagement, kpis):
    response = _preview(mark, vistula_engagement, {"start": "2026-03-01", "end": "2026-02-01"})
    assert response.status_code == 400
    assert "The To date must not be before the From date." in response.content.decode()
    pdf = logged_in(mark).get(
        reverse("metrics:report_pdf", args=[vistula_engagement.slug]),
        {"start": "2026-03-01", "end": "2026-02-01"},
    )
    assert pdf.status_code == 400 and pdf["Content-Type"].startswith("text/html")


def test_without_dates_each_kpi_shows_the_periods_of_its_dashboard_card(
    mark, vistula_engagement, kpis
):
    # when the report is built in mid-April 2026 without dates
    built = build_report(
        vistula_engagement, user=mark, span=ReportSpan(), zone=dt.UTC, now=at(15, month=4)
    )

    # then throughput, monthly, shows the twelve months up to April and is judged by March
    throughput = next(s for s in built.sections if s.kpi == kpis["throughput"])
    assert throughput.period == "Mar 2026" and throughput.value == 3
    assert throughput.change == "+2 items (better)"
    assert built.span.label.endswith("as on the dashboard")
    assert ReportSpan().periods("month", at(15, month=4))[0][0] == at(1, month=5, year=2025)
    assert len(ReportSpan().periods("week", at(15, month=4))) == 12


def test_a_report_up_to_a_day_ends_with_the_period_containing_it(mark, vistula_engagement, kpis):
    span = ReportSpan(until=at(1, month=3))  # To: 28 February
    built = build_report(vistula_engagement, user=mark, span=span, zone=dt.UTC, now=at(15, month=4))
    throughput = next(s for s in built.sections if s.kpi == kpis["throughput"])
    assert throughput.period == "Feb 2026" and throughput.value == 1
    assert (
        span.label == "The latest 12 weeks, 12 months or 8 quarters of each KPI up to 28 Feb 2026"
    )


@pytest.mark.parametrize(
    ("value", "previous", "unit", "better", "said"),
    [
        (3, 1, "items", "higher", "+2 items (better)"),
        (0.91, 0.95, "ratio", "higher", "-4.0 pts (worse)"),
        (30, 42.5, "hours", "lower", "-12.5 h (better)"),
        (2, 2, "items", "higher", "no change"),
        (None, 2, "items", "higher", "no data"),
        (2, None, "items", "higher", "no data"),
        (3, 4, "class", "higher", "was daily (worse)"),
    ],
)
def test_a_change_reads_with_its_unit_and_direction(value, previous, unit, better, said):
    assert change_text(value, previous, unit=unit, better=better) == said


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("evaluator", 200),
        ("viewer", 200),
        ("vendor_lead", 200),
        ("vendor_member", 200),
        ("other_vendor_lead", 404),
        ("other_vendor_member", 404),
    ],
)
def test_whoever_sees_the_kpis_may_have_the_report(role, status, everyone, vistula_engagement):
    url = reverse("metrics:report", args=[vistula_engagement.slug])
    assert logged_in(everyone[role]).get(url).status_code == status


def test_another_vendors_pdf_is_not_found(dev, lena, vistula_engagement, kpis):
    url = reverse("metrics:report_pdf", args=[vistula_engagement.slug])
    assert logged_in(dev).get(url).status_code == 404
    assert logged_in(lena).get(url, FIRST_QUARTER).status_code == 200


def test_a_visitor_is_sent_to_log_in(client, vistula_engagement):
    response = client.get(reverse("metrics:report_pdf", args=[vistula_engagement.slug]))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- CLI --------------------------------------------------------------------------------------


@needs_poppler
def test_the_report_command_writes_the_pdf_for_a_range(lena, vistula_engagement, kpis, tmp_path):
    pdf = tmp_path / "kpis.pdf"
    result = CliRunner().invoke(
        main,
        [
            "kpis",
            "report",
            vistula_engagement.slug,
            "--output",
            str(pdf),
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--user",
            "lena",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {pdf}: 4 KPIs of Mobile banking app." in result.output
    text = _pdf_text(pdf.read_bytes(), tmp_path)
    assert "by lena" in text and "1 Jan 2026 to 31 Mar 2026" in text and "3 items" in text


def test_the_report_command_writes_html_with_the_svg_charts(vistula_engagement, kpis, tmp_path):
    page = tmp_path / "kpis.html"
    result = CliRunner().invoke(
        main, ["kpis", "report", vistula_engagement.slug, "-o", str(page), "--from", "2026-01-01"]
    )
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert html.count("<svg") == 3 and "<style>" in html and "by the operator at the server" in html
    # a file has no server to open explanations on, nor a period picker
    assert "/metrics/throughput/" not in html and "<form" not in html


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--user", "dev"], "There is no engagement “mobile-banking-app”."),
        (["--from", "2026-02-30"], "“2026-02-30” is not a date; write it as YYYY-MM-DD."),
        (["--from", "2026-03-01", "--to", "2026-01-01"], "The To date must not be before"),
        (["--from", "2019-01-01"], "A report may span at most 1098 days; pick a later From date."),
    ],
)
def test_the_report_command_refuses_in_one_sentence(
    arguments, said, dev, vistula_engagement, tmp_path
):
    result = CliRunner().invoke(
        main, ["kpis", "report", vistula_engagement.slug, "-o", str(tmp_path / "x.pdf"), *arguments]
    )
    assert result.exit_code != 0
    assert said in result.output
    assert not (tmp_path / "x.pdf").exists()


def test_the_dashboard_links_to_the_report(milo, vistula_engagement):
    page = logged_in(milo).get(reverse("metrics:dashboard", args=[vistula_engagement.slug]))
    assert f'href="{reverse("metrics:report", args=[vistula_engagement.slug])}"' in (
        page.content.decode()
    )
