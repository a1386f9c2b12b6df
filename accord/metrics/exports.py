"""CSV and XLSX exports of an engagement's KPI measurements (web, API and CLI share them).

Columns: kpi, metric_key, period_start, period_end, value (empty: no data), unit, status,
target, warning_threshold, better, evidence_count, computed_at. Times are ISO 8601 in UTC."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404, HttpResponse

from accord.metrics.models import Measurement

if TYPE_CHECKING:
    from accord.accounts.policy import AnyUser
    from accord.engagements.models import Engagement

COLUMNS = (
    "kpi",
    "metric_key",
    "period_start",
    "period_end",
    "value",
    "unit",
    "status",
    "target",
    "warning_threshold",
    "better",
    "evidence_count",
    "computed_at",
)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def rows(measurements: QuerySet[Measurement]) -> Iterator[tuple[Any, ...]]:
    """One tuple per measurement in the order of COLUMNS; None where there is no data."""
    from accord.metrics.catalog import CATALOG

    for m in measurements.iterator(chunk_size=2000):
        metric = CATALOG.get(m.kpi.metric_key)
        yield (
            m.kpi.name,
            m.kpi.metric_key,
            _iso(m.period_start),
            _iso(m.period_end),
            m.value,
            metric.unit if metric else "",
            m.status,
            m.kpi.target,
            m.kpi.warning_threshold,
            m.kpi.better,
            m.evidence_count,
            _iso(m.computed_at),
        )


def as_csv(measurements: QuerySet[Measurement]) -> str:
    """The measurements as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows(measurements):
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def as_xlsx(measurements: QuerySet[Measurement], *, title: str) -> bytes:
    """The measurements as an XLSX workbook (one sheet, a bold frozen header row)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Measurements")
    sheet.freeze_panes = "A2"
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows(measurements):
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export(measurements: QuerySet[Measurement], fmt: str, *, title: str) -> bytes:
    """The measurements in `fmt` (csv or xlsx) as bytes."""
    if fmt == "csv":
        return as_csv(measurements).encode("utf-8")
    if fmt == "xlsx":
        return as_xlsx(measurements, title=title)
    raise ValueError(f"“{fmt}” is not an export format; use csv or xlsx.")


def download(engagement: Engagement, user: AnyUser, fmt: str) -> HttpResponse:
    """The engagement's measurements the user may see, as a file to download (404: bad fmt)."""
    from accord.metrics.queries import engagement_measurements

    if fmt not in FORMATS:
        raise Http404("Exports are csv or xlsx.")
    body = export(engagement_measurements(engagement, user), fmt, title=engagement.name)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{engagement.slug}-kpi-measurements.{fmt}"'
    )
    return response
