"""CSV imports of KPI values and survey responses: atomic, idempotent, one clear message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accord.audit.models import AuditEvent
from accord.metrics import actions
from accord.metrics.models import ManualValue, SurveyResponse

pytestmark = pytest.mark.django_db

VALUES = """kpi,period start,period end,value,note
retention,2026-01-01,2026-03-31,0.94,Q1 renewals
Availability,2026-03-01,2026-03-31,99.95%,status page
"""

SURVEYS = """Kind,Score,Responded at,Respondent,Comment
csat,5,2026-03-04T10:15:00Z,cust-1041,Quick fix
CSAT,2,2026-03-04T11:00:00+01:00,cust-1042,Slow
nps,9,2026-03-05,cust-2210,
nps,0,2026-03-06,,
"""


def test_kpi_values_land_with_who_and_when(mark, vistula_engagement):
    # given: "Availability" names a KPI of the engagement, "retention" a metric key
    actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="availability",
        target=0.999,
        warning_threshold=0.99,
    )
    # when
    result = actions.import_kpi_values(actor=mark, engagement=vistula_engagement, data=VALUES)
    # then
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    retention = ManualValue.objects.get(metric_key="retention")
    assert retention.period_start == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert retention.period_end == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert (retention.value, retention.note, retention.recorded_by) == (0.94, "Q1 renewals", mark)
    assert ManualValue.objects.get(metric_key="availability").value == pytest.approx(0.9995)
    event = AuditEvent.objects.get(object_type="engagements.engagement", action="update")
    assert event.changes == {"kpi values imported": [None, "2 created, 0 updated, 0 unchanged"]}


def test_importing_the_same_values_again_changes_nothing(mark, vistula_engagement):
    actions.import_kpi_values(actor=mark, engagement=vistula_engagement, data=VALUES)
    events = AuditEvent.objects.count()
    again = actions.import_kpi_values(
        actor=mark,
        engagement=vistula_engagement,
        data=VALUES.replace("Availability", "availability"),
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.count() == events


def test_a_changed_value_updates_its_period_in_place(mark, alice, vistula_engagement):
    actions.import_kpi_values(actor=mark, engagement=vistula_engagement, data=VALUES.lower())
    result = actions.import_kpi_values(
        actor=alice, engagement=vistula_engagement, data=VALUES.lower().replace("0.94", "0.95")
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    retention = ManualValue.objects.get(metric_key="retention")
    assert (retention.value, retention.recorded_by) == (0.95, alice)


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("retention,2026-04-01,2026-06-30,lots,", "Row 3, column “value”: “lots” is not a number."),
        ("retention,01/04/2026,2026-06-30,0.9,", "Row 3, column “period start”: “01/04/2026”"),
        ("retention,2026-06-30,2026-04-01,0.9,", "Row 3, column “period end”: the period must"),
        ("retnetion,2026-04-01,2026-06-30,0.9,", "Row 3, column “kpi”: “retnetion” is neither"),
        ("throughput,2026-04-01,2026-06-30,9,", "Row 3, column “kpi”: “throughput” is computed"),
        ("retention,2026-04-01,2026-06-30,,", "Row 3, column “value”: a value is required."),
        ("retention,2026-01-01,2026-03-31,0.5,", "Row 3 repeats the KPI and period of row 2."),
    ],
)
def test_one_bad_row_names_row_and_column_and_nothing_is_written(
    mark, vistula_engagement, bad_row, message
):
    data = "kpi,period start,period end,value,note\nretention,2026-01-01,2026-03-31,0.9,\n"
    with pytest.raises(ValidationError) as caught:
        actions.import_kpi_values(actor=mark, engagement=vistula_engagement, data=data + bad_row)
    assert caught.value.messages[0].startswith(message)
    assert not ManualValue.objects.exists()


def test_a_file_without_the_columns_says_which_are_missing(mark, vistula_engagement):
    with pytest.raises(ValidationError, match="“period end”, “value” is missing"):
        actions.import_kpi_values(
            actor=mark, engagement=vistula_engagement, data="kpi,period start\nx,2026-01-01\n"
        )


def test_a_file_that_is_not_utf8_is_refused(mark, vistula_engagement):
    with pytest.raises(ValidationError, match="not UTF-8"):
        actions.import_kpi_values(
            actor=mark, engagement=vistula_engagement, data="kpi,värde\n".encode("utf-16")
        )


def test_survey_responses_land_in_utc(mark, vistula_engagement):
    result = actions.import_survey_responses(
        actor=mark, engagement=vistula_engagement, data=SURVEYS.encode("utf-8-sig")
    )
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    slow = SurveyResponse.objects.get(respondent="cust-1042")
    assert (slow.kind, slow.score, slow.comment) == ("csat", 2, "Slow")
    assert slow.responded_at == dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)
    anonymous = SurveyResponse.objects.get(respondent="")
    assert anonymous.responded_at == dt.datetime(2026, 3, 6, tzinfo=dt.UTC)


def test_importing_the_same_responses_again_changes_nothing(mark, vistula_engagement):
    actions.import_survey_responses(actor=mark, engagement=vistula_engagement, data=SURVEYS)
    again = actions.import_survey_responses(actor=mark, engagement=vistula_engagement, data=SURVEYS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert SurveyResponse.objects.count() == 4


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("csat,6,2026-03-07,c,", "Row 6, column “score”: csat scores go from 1 to 5, not 6."),
        ("csat,0,2026-03-07,c,", "Row 6, column “score”: csat scores go from 1 to 5, not 0."),
        ("nps,11,2026-03-07,c,", "Row 6, column “score”: nps scores go from 0 to 10, not 11."),
        ("nps,7.5,2026-03-07,c,", "Row 6, column “score”: “7.5” is not a whole number."),
        ("ces,3,2026-03-07,c,", "Row 6, column “kind”: “ces” is not csat or nps."),
        ("nps,7,2026-03-07T10:00,c,", "Row 6, column “responded at”: “2026-03-07T10:00” has no"),
        ("nps,7,yesterday,c,", "Row 6, column “responded at”: “yesterday” is not a date"),
    ],
)
def test_one_bad_response_names_row_and_column_and_nothing_is_written(
    mark, vistula_engagement, bad_row, message
):
    with pytest.raises(ValidationError) as caught:
        actions.import_survey_responses(
            actor=mark, engagement=vistula_engagement, data=SURVEYS + bad_row
        )
    assert caught.value.messages[0].startswith(message)
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(("kind", "score"), [("csat", 0), ("csat", 6), ("nps", -1), ("nps", 11)])
def test_the_database_refuses_a_score_out_of_range(vistula_engagement, kind, score):
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(
            engagement=vistula_engagement,
            kind=kind,
            score=score,
            responded_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        )
