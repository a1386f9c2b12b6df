"""Values that do not come from the delivery tools: manual KPI values and survey responses,
entered one by one or imported from CSV (the formats are in docs/kpi-import.md)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.audit.actions import create_audited, record_event, update_audited
from accord.audit.models import AuditAction
from accord.metrics.actions.kpis import metric_for
from accord.metrics.actions.recompute import enqueue_recompute
from accord.metrics.models import SCORE_RANGES, ManualValue, SurveyResponse
from accord.metrics.periods import parse_day

if TYPE_CHECKING:
    from accord.accounts.models import User
    from accord.engagements.models import Engagement

KPI_VALUE_COLUMNS = ("kpi", "period start", "period end", "value", "note")
SURVEY_COLUMNS = ("kind", "score", "responded at", "respondent", "comment")
MAX_ROWS = 100_000


@dataclass
class ImportResult:
    """What an import did: rows created, updated and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_text(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


def day_bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A period from the start of its first day to the end of its last day, in UTC."""
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return start, end


def takes_manual_values(metric_key: str) -> None:
    """Only metrics that read manual values accept them; others come from delivery data."""
    metric = metric_for(metric_key)
    if "manual_values" not in metric.needs:
        raise ValidationError(
            {
                "metric_key": f"“{metric_key}” is computed from delivery data and takes no "
                "manual values."
            }
        )


def _check_value(value: float) -> None:
    if not math.isfinite(value):
        raise ValidationError({"value": "The value must be a finite number."})


@transaction.atomic
def record_manual_value(
    *,
    actor: User | None,
    engagement: Engagement,
    metric_key: str,
    period_start: dt.datetime,
    period_end: dt.datetime,
    value: float,
    note: str = "",
) -> ManualValue:
    """Record (or correct) a metric's value for one period, noting who and when."""
    takes_manual_values(metric_key)
    _check_value(value)
    if period_end <= period_start:
        raise ValidationError({"period_end": "The period must end after it starts."})
    existing = ManualValue.objects.filter(
        engagement=engagement,
        metric_key=metric_key,
        period_start=period_start,
        period_end=period_end,
    ).first()
    if existing is None:
        manual = create_audited(
            actor=actor,
            instance=ManualValue(
                engagement=engagement,
                metric_key=metric_key,
                period_start=period_start,
                period_end=period_end,
                value=value,
                note=note,
                recorded_by=actor,
            ),
        )
    else:
        manual = update_audited(
            actor=actor,
            instance=existing,
            fields={
                "value": value,
                "note": note,
                "recorded_by": actor,
                "recorded_at": timezone.now(),
            },
        )
    enqueue_recompute(engagement.pk, since=period_start, until=period_end, needs=["manual_values"])
    return manual


# --- CSV ----------------------------------------------------------------------------------------


def decode_csv(data: bytes | str) -> str:
    """The text of an uploaded CSV file (UTF-8, with or without a byte-order mark)."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text; save the CSV as UTF-8.") from None


def _header(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").replace("-", " ").split())


def _rows(
    text: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: stripped text}) for each data row."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise ValidationError("The file is empty; the first row must name the columns.")
    names = [_header(h) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise ValidationError(
            f"The first row must name the columns {', '.join(columns)}; "
            f"“{'”, “'.join(missing)}” is missing."
        )
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if number - 1 > MAX_ROWS:
            raise ValidationError(f"The file has more than {MAX_ROWS:,} rows; split it.")
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(names)}
        yield number, row


def _cell(number: int, column: str, message: str) -> ValidationError:
    return ValidationError(f"Row {number}, column “{column}”: {message}")


def _number(number: int, column: str, text: str) -> float:
    if not text:
        raise _cell(number, column, "a value is required.")
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        raise _cell(number, column, f"“{text}” is not a number.") from None
    if not math.isfinite(value):
        raise _cell(number, column, f"“{text}” is not a finite number.")
    return value / 100 if percent else value


def _day(number: int, column: str, text: str) -> dt.date:
    if not text:
        raise _cell(number, column, "a date is required (YYYY-MM-DD).")
    try:
        return parse_day(text)
    except ValueError as exc:
        raise _cell(number, column, str(exc)) from None


def _moment(number: int, column: str, text: str) -> dt.datetime:
    """A date (midnight UTC) or an ISO 8601 time with its zone, as an aware UTC datetime."""
    if not text:
        raise _cell(number, column, "a date or time is required.")
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _cell(
            number, column, f"“{text}” is not a date (YYYY-MM-DD) or time (2026-03-01T09:30Z)."
        ) from None
    if moment.utcoffset() is None:
        raise _cell(number, column, f"“{text}” has no time zone; add one, e.g. {text}Z.")
    return moment.astimezone(dt.UTC)


def _metric_key(number: int, engagement: Engagement, text: str) -> str:
    """The metric a `kpi` cell names: a catalog key or the name of one of the engagement's KPIs."""
    from accord.metrics.catalog import CATALOG

    if not text:
        raise _cell(number, "kpi", "name the KPI or its metric key.")
    key = text.lower() if text.lower() in CATALOG else None
    if key is None:
        kpi = engagement.kpis.filter(name__iexact=text).first()
        key = kpi.metric_key if kpi is not None else None
    if key is None:
        raise _cell(number, "kpi", f"“{text}” is neither a metric key nor a KPI of {engagement}.")
    try:
        takes_manual_values(key)
    except ValidationError as exc:
        raise _cell(number, "kpi", " ".join(exc.messages)) from None
    return key


def _import_event(
    *, actor: User | None, engagement: Engagement, what: str, result: ImportResult
) -> None:
    record_event(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=engagement,
        changes={what: [None, result.as_text()]},
        engagement=engagement,
        shared=True,
    )


@transaction.atomic
def import_kpi_values(
    *, actor: User | None, engagement: Engagement, data: bytes | str
) -> ImportResult:
    """Import manual KPI values from CSV: all rows or, at the first bad cell, none."""
    parsed: dict[tuple[str, dt.datetime, dt.datetime], tuple[int, float, str]] = {}
    for number, row in _rows(decode_csv(data), KPI_VALUE_COLUMNS, KPI_VALUE_COLUMNS[:4]):
        key = _metric_key(number, engagement, row["kpi"])
        first = _day(number, "period start", row["period start"])
        last = _day(number, "period end", row["period end"])
        if last < first:
            raise _cell(number, "period end", "the period must not end before it starts.")
        value = _number(number, "value", row["value"])
        start, end = day_bounds(first, last)
        if (key, start, end) in parsed:
            earlier = parsed[(key, start, end)][0]
            raise ValidationError(f"Row {number} repeats the KPI and period of row {earlier}.")
        parsed[(key, start, end)] = (number, value, row.get("note", ""))
    if not parsed:
        raise ValidationError("The file has no rows of values below its header.")
    stored = {
        (m.metric_key, m.period_start, m.period_end): m
        for m in ManualValue.objects.filter(
            engagement=engagement, metric_key__in={k for k, _, _ in parsed}
        )
    }
    result, now = ImportResult(), timezone.now()
    new, changed = [], []
    for (key, start, end), (_, value, note) in parsed.items():
        old = stored.get((key, start, end))
        if old is None:
            new.append(
                ManualValue(
                    engagement=engagement,
                    metric_key=key,
                    period_start=start,
                    period_end=end,
                    value=value,
                    note=note,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
        elif (old.value, old.note) != (value, note):
            old.value, old.note, old.recorded_by, old.recorded_at = value, note, actor, now
            changed.append(old)
        else:
            result.unchanged += 1
    ManualValue.objects.bulk_create(new, batch_size=1000)
    ManualValue.objects.bulk_update(
        changed, ["value", "note", "recorded_by", "recorded_at"], batch_size=1000
    )
    result.created, result.updated = len(new), len(changed)
    if new or changed:
        _import_event(actor=actor, engagement=engagement, what="kpi values imported", result=result)
        touched = [(m.period_start, m.period_end) for m in (*new, *changed)]
        enqueue_recompute(
            engagement.pk,
            since=min(s for s, _ in touched),
            until=max(e for _, e in touched),
            needs=["manual_values"],
        )
    return result


@transaction.atomic
def import_survey_responses(
    *, actor: User | None, engagement: Engagement, data: bytes | str
) -> ImportResult:
    """Import CSAT and NPS survey responses from CSV: all rows or, at the first bad cell, none."""
    parsed: dict[tuple[str, dt.datetime, str], tuple[int, int, str]] = {}
    for number, row in _rows(decode_csv(data), SURVEY_COLUMNS, SURVEY_COLUMNS[:3]):
        kind = row["kind"].lower()
        if kind not in SCORE_RANGES:
            raise _cell(number, "kind", f"“{row['kind']}” is not csat or nps.")
        low, high = SCORE_RANGES[kind]
        try:
            score = int(row["score"])
        except ValueError:
            raise _cell(number, "score", f"“{row['score']}” is not a whole number.") from None
        if not low <= score <= high:
            raise _cell(number, "score", f"{kind} scores go from {low} to {high}, not {score}.")
        responded_at = _moment(number, "responded at", row["responded at"])
        respondent = row.get("respondent", "")[:200]
        if (kind, responded_at, respondent) in parsed:
            earlier = parsed[(kind, responded_at, respondent)][0]
            raise ValidationError(f"Row {number} repeats the answer of row {earlier}.")
        parsed[(kind, responded_at, respondent)] = (number, score, row.get("comment", ""))
    if not parsed:
        raise ValidationError("The file has no responses below its header.")
    times = [at for _, at, _ in parsed]
    stored = {
        (r.kind, r.responded_at, r.respondent): r
        for r in SurveyResponse.objects.filter(
            engagement=engagement, responded_at__gte=min(times), responded_at__lte=max(times)
        )
    }
    result = ImportResult()
    new, changed = [], []
    for (kind, at, respondent), (_, score, comment) in parsed.items():
        old = stored.get((kind, at, respondent))
        if old is None:
            new.append(
                SurveyResponse(
                    engagement=engagement,
                    kind=kind,
                    score=score,
                    responded_at=at,
                    respondent=respondent,
                    comment=comment,
                )
            )
        elif (old.score, old.comment) != (score, comment):
            old.score, old.comment = score, comment
            changed.append(old)
        else:
            result.unchanged += 1
    SurveyResponse.objects.bulk_create(new, batch_size=1000)
    SurveyResponse.objects.bulk_update(changed, ["score", "comment"], batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    if new or changed:
        _import_event(
            actor=actor, engagement=engagement, what="survey responses imported", result=result
        )
        touched = [r.responded_at for r in (*new, *changed)]
        enqueue_recompute(
            engagement.pk,
            since=min(touched),
            until=max(touched) + dt.timedelta(seconds=1),
            needs=["surveys"],
        )
    return result
