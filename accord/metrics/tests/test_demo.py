"""The demo workspace's KPIs: real imports, computed measurements, nothing twice."""

from __future__ import annotations

import pytest

from accord.delivery.models import WorkItem
from accord.demo import load_demo
from accord.metrics.demo import KPIS, load_metrics_demo
from accord.metrics.models import KPI, ManualValue, Measurement, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_demo_engagements_get_kpis_with_computed_measurements():
    # when
    load_demo()
    # then
    for slug in ("mobile-banking-app", "payments-platform"):
        kpis = KPI.objects.filter(engagement__slug=slug)
        assert sorted(kpis.values_list("metric_key", flat=True)) == sorted(k for k, *_ in KPIS)
        assert WorkItem.objects.filter(data_source__engagement__slug=slug, done_at__isnull=False)
        assert SurveyResponse.objects.filter(engagement__slug=slug).count() > 300
        assert ManualValue.objects.filter(engagement__slug=slug).exists()
        for kpi in kpis:
            measured = Measurement.objects.filter(kpi=kpi, value__isnull=False)
            assert measured.exists(), f"{slug}: {kpi.metric_key} has no measured period"
    statuses = set(Measurement.objects.values_list("status", flat=True))
    assert {"on_track", "at_risk", "off_track"} <= statuses
    # and loading again changes nothing
    count = Measurement.objects.count()
    assert load_metrics_demo() is False
    assert Measurement.objects.count() == count
