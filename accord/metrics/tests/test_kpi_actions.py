"""Defining, editing and deactivating KPIs, and recording manual values, through the actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accord.audit.models import AuditEvent
from accord.metrics import actions
from accord.metrics.actions.values import day_bounds
from accord.metrics.catalog import CATALOG
from accord.metrics.models import KPI, ManualValue, Measurement, Status

pytestmark = pytest.mark.django_db


def test_a_kpi_takes_its_name_and_direction_from_the_metric(mark, vistula_engagement):
    # when
    kpi = actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="cycle_time_p50_hours",
        target=48,
        warning_threshold=72,
    )
    # then
    assert kpi.name == CATALOG["cycle_time_p50_hours"].label
    assert kpi.better == "lower"
    assert kpi.period_kind == "month"
    assert kpi.created_by == mark
    event = AuditEvent.objects.get(object_type="metrics.kpi", object_id=str(kpi.pk))
    assert event.action == "create" and event.shared and event.engagement == vistula_engagement


def test_an_unknown_metric_is_refused_by_name(mark, vistula_engagement):
    with pytest.raises(ValidationError, match="no metric “velocityy”"):
        actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key="velocityy",
            target=1,
            warning_threshold=0,
        )
    assert not KPI.objects.exists()


@pytest.mark.parametrize(
    ("key", "target", "threshold", "message"),
    [
        ("throughput", 10, 12, "must not be above the target"),
        ("cycle_time_p50_hours", 48, 24, "must not be below the target"),
    ],
)
def test_a_threshold_on_the_better_side_of_the_target_is_refused(
    mark, vistula_engagement, key, target, threshold, message
):
    with pytest.raises(ValidationError, match=message):
        actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key=key,
            target=target,
            warning_threshold=threshold,
        )


def test_a_direction_given_by_hand_decides_which_side_the_threshold_goes(mark, vistula_engagement):
    kpi = actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="throughput",
        name="Throughput kept low",
        better="lower",
        target=10,
        warning_threshold=12,
    )
    assert kpi.better == "lower"


def test_an_affiliation_must_be_one_the_catalog_knows(mark, vistula_engagement, vistula):
    with pytest.raises(ValidationError, match="is not an affiliation"):
        actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key="throughput",
            target=10,
            warning_threshold=5,
            affiliation="vendors",
        )
    kpi = actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="throughput",
        target=10,
        warning_threshold=5,
        affiliation=f"vendor:{vistula.organization.pk}",
    )
    assert kpi.affiliation == f"vendor:{vistula.organization.pk}"


def test_a_metric_that_cannot_be_split_refuses_an_affiliation(mark, vistula_engagement):
    with pytest.raises(ValidationError, match="cannot be split"):
        actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key="csat",
            target=0.8,
            warning_threshold=0.7,
            affiliation="client",
        )


def test_two_kpis_of_one_engagement_need_two_names(mark, vistula_engagement):
    fields = {"metric_key": "throughput", "target": 10, "warning_threshold": 5}
    actions.define_kpi(actor=mark, engagement=vistula_engagement, **fields)
    with pytest.raises(ValidationError, match="already has a KPI named “Throughput”"):
        actions.define_kpi(actor=mark, engagement=vistula_engagement, **fields)


def _kpi_with_measurements(mark, engagement) -> KPI:
    kpi = actions.define_kpi(
        actor=mark, engagement=engagement, metric_key="throughput", target=10, warning_threshold=5
    )
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for month, value in enumerate([12.0, 7.0, None, 3.0]):
        Measurement.objects.create(
            kpi=kpi,
            period_start=start.replace(month=month + 1),
            period_end=start.replace(month=month + 2),
            value=value,
            status=kpi.status_of(value),
        )
    return kpi


def test_a_new_target_rejudges_the_stored_measurements(mark, vistula_engagement):
    # given
    kpi = _kpi_with_measurements(mark, vistula_engagement)
    # when
    actions.edit_kpi(actor=mark, kpi=kpi, target=7, warning_threshold=3)
    # then
    statuses = list(kpi.measurements.order_by("period_start").values_list("status", flat=True))
    assert statuses == [Status.ON_TRACK, Status.ON_TRACK, Status.NO_DATA, Status.AT_RISK]
    event = AuditEvent.objects.filter(object_type="metrics.kpi", action="update").get()
    assert event.changes["target"] == [10.0, 7]


def test_a_new_metric_drops_the_old_measurements(mark, vistula_engagement):
    kpi = _kpi_with_measurements(mark, vistula_engagement)
    actions.edit_kpi(actor=mark, kpi=kpi, metric_key="velocity")
    assert not kpi.measurements.exists()


def test_an_edit_checks_the_threshold_against_the_new_direction(mark, vistula_engagement):
    kpi = _kpi_with_measurements(mark, vistula_engagement)
    with pytest.raises(ValidationError, match="must not be below the target"):
        actions.edit_kpi(actor=mark, kpi=kpi, better="lower")
    kpi.refresh_from_db()
    assert kpi.better == "higher"


def test_a_deactivated_kpi_keeps_its_measurements(mark, vistula_engagement):
    kpi = _kpi_with_measurements(mark, vistula_engagement)
    actions.deactivate_kpi(actor=mark, kpi=kpi)
    kpi.refresh_from_db()
    assert kpi.active is False
    assert kpi.measurements.count() == 4


def test_a_manual_value_records_who_and_when_and_a_second_one_corrects_it(
    mark, alice, vistula_engagement
):
    # given
    start, end = day_bounds(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    fields = {"engagement": vistula_engagement, "metric_key": "retention"}
    # when
    actions.record_manual_value(actor=mark, period_start=start, period_end=end, value=0.9, **fields)
    actions.record_manual_value(
        actor=alice, period_start=start, period_end=end, value=0.93, note="late renewal", **fields
    )
    # then
    manual = ManualValue.objects.get()
    assert (manual.value, manual.note, manual.recorded_by) == (0.93, "late renewal", alice)
    assert manual.period_end == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    actions_logged = AuditEvent.objects.filter(object_type="metrics.manualvalue")
    assert sorted(actions_logged.values_list("action", flat=True)) == ["create", "update"]


def test_a_metric_computed_from_delivery_data_takes_no_manual_value(mark, vistula_engagement):
    start, end = day_bounds(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    with pytest.raises(ValidationError, match="computed from delivery data"):
        actions.record_manual_value(
            actor=mark,
            engagement=vistula_engagement,
            metric_key="throughput",
            period_start=start,
            period_end=end,
            value=4,
        )
