"""The KPI API under the access policy: definitions, measurements, evidence, imports, exports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from rest_framework.test import APIClient

from accord.metrics import actions
from accord.metrics.models import KPI, Measurement, SurveyResponse

pytestmark = pytest.mark.django_db

MARCH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
APRIL = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _csat_kpi(mark, engagement) -> tuple[KPI, Measurement]:
    """A CSAT KPI with three March answers (two of them 4 or 5) and its March measurement."""
    for score, hour in ((5, 9), (4, 10), (2, 11)):
        SurveyResponse.objects.create(
            engagement=engagement,
            kind="csat",
            score=score,
            responded_at=MARCH.replace(day=3, hour=hour),
            respondent=f"c{hour}",
        )
    kpi = actions.define_kpi(
        actor=mark, engagement=engagement, metric_key="csat", target=0.8, warning_threshold=0.6
    )
    actions.recompute_engagement(engagement.pk, now=APRIL + dt.timedelta(days=3))
    return kpi, kpi.measurements.get(period_start=MARCH)


def test_a_vendor_user_sees_the_kpis_of_their_own_engagements_only(
    mark, lena, vistula_engagement, deccan_engagement
):
    # given
    own, _ = _csat_kpi(mark, vistula_engagement)
    other, _ = _csat_kpi(mark, deccan_engagement)
    # when
    listed = api(lena).get("/api/v1/kpis/").json()["results"]
    # then
    assert [k["id"] for k in listed] == [own.pk]
    assert api(lena).get(f"/api/v1/kpis/{other.pk}/").status_code == 404


def test_a_vendor_user_gets_404_for_another_vendors_measurements_and_evidence(
    mark, dev, vistula_engagement, deccan_engagement
):
    _, vistula_march = _csat_kpi(mark, vistula_engagement)
    _, deccan_march = _csat_kpi(mark, deccan_engagement)
    client = api(dev)
    assert client.get(f"/api/v1/measurements/{vistula_march.pk}/").status_code == 404
    assert client.get(f"/api/v1/measurements/{vistula_march.pk}/evidence/").status_code == 404
    listed = client.get("/api/v1/measurements/").json()["results"]
    assert {m["kpi"] for m in listed} == {deccan_march.kpi_id}
    assert client.get(f"/api/v1/measurements/{deccan_march.pk}/evidence/").status_code == 200
    export = client.get(f"/api/v1/engagements/{vistula_engagement.slug}/measurements.csv")
    assert export.status_code == 404


def test_the_evidence_of_a_measurement_names_the_answers_behind_it(mark, milo, vistula_engagement):
    # given
    _, march = _csat_kpi(mark, vistula_engagement)
    # when
    evidence = api(milo).get(f"/api/v1/measurements/{march.pk}/evidence/").json()
    # then: 2 of 3 answers were 4 or 5
    assert march.value == pytest.approx(2 / 3)
    assert march.status == "at_risk"
    assert evidence["value"] == pytest.approx(2 / 3)
    assert evidence["stored_value"] == pytest.approx(2 / 3)
    assert evidence["formula"]
    assert evidence["evidence_count"] == 3
    assert sorted(item["value"] for item in evidence["counted"]) == [2, 4, 5]
    assert {item["kind"] for item in evidence["counted"]} == {"survey_response"}


def test_measurements_filter_by_kpi_engagement_and_period(mark, victor, vistula_engagement):
    kpi, march = _csat_kpi(mark, vistula_engagement)
    client = api(victor)
    url = "/api/v1/measurements/"
    by_period = client.get(url, {"kpi": kpi.pk, "from": "2026-03-01", "to": "2026-04-01"}).json()
    assert [m["id"] for m in by_period["results"]] == [march.pk]
    assert by_period["results"][0]["status"] == "at_risk"
    by_engagement = client.get(url, {"engagement": vistula_engagement.slug}).json()
    assert by_engagement["count"] == kpi.measurements.count()
    bad = client.get(url, {"from": "March"})
    assert bad.status_code == 400
    assert "YYYY-MM-DD" in str(bad.json())


def test_a_manager_defines_and_changes_a_kpi_through_the_api(mark, vistula_engagement):
    client = api(mark)
    created = client.post(
        "/api/v1/kpis/",
        {
            "engagement": vistula_engagement.pk,
            "metric_key": "cycle_time_p50_hours",
            "target": 48,
            "warning_threshold": 72,
            "period_kind": "week",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["better"], body["period_kind"], body["created_by"]) == ("lower", "week", "mark")
    changed = client.patch(f"/api/v1/kpis/{body['id']}/", {"active": False}, format="json")
    assert changed.json()["active"] is False


def test_a_threshold_on_the_wrong_side_is_a_400_with_the_reason(mark, vistula_engagement):
    response = api(mark).post(
        "/api/v1/kpis/",
        {
            "engagement": vistula_engagement.pk,
            "metric_key": "throughput",
            "target": 10,
            "warning_threshold": 20,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "must not be above the target" in str(response.json())


def test_vendor_users_and_viewers_may_not_define_kpis(lena, victor, vistula_engagement):
    payload = {
        "engagement": vistula_engagement.pk,
        "metric_key": "throughput",
        "target": 10,
        "warning_threshold": 5,
    }
    assert api(lena).post("/api/v1/kpis/", payload, format="json").status_code == 403
    assert api(victor).post("/api/v1/kpis/", payload, format="json").status_code == 403
    assert not KPI.objects.exists()


def test_a_manual_value_posted_through_the_api_is_recorded(mark, vistula_engagement):
    response = api(mark).post(
        "/api/v1/manual-values/",
        {
            "engagement": vistula_engagement.pk,
            "metric_key": "retention",
            "period_start": "2026-01-01T00:00:00Z",
            "period_end": "2026-04-01T00:00:00Z",
            "value": 0.97,
            "note": "Q1",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["recorded_by"] == "mark"


def test_survey_responses_import_through_the_api(mark, vistula_engagement):
    upload = SimpleUploadedFile(
        "answers.csv", b"kind,score,responded at\nnps,10,2026-03-02\nnps,3,2026-03-03\n"
    )
    url = f"/api/v1/engagements/{vistula_engagement.slug}/survey-responses/import/"
    response = api(mark).post(url, {"file": upload}, format="multipart")
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    bad = SimpleUploadedFile("answers.csv", b"kind,score,responded at\nnps,12,2026-03-02\n")
    refused = api(mark).post(url, {"file": bad}, format="multipart")
    assert refused.status_code == 400
    assert "Row 2, column “score”" in str(refused.json())


def test_measurements_export_as_csv_and_xlsx(mark, victor, vistula_engagement):
    _csat_kpi(mark, vistula_engagement)
    base = f"/api/v1/engagements/{vistula_engagement.slug}/measurements"
    csv_text = api(victor).get(f"{base}.csv").content.decode()
    lines = csv_text.splitlines()
    assert lines[0].startswith("kpi,metric_key,period_start,period_end,value,unit,status")
    march = next(line for line in lines if ",csat,2026-03-01T00:00:00Z," in line)
    assert ",at_risk," in march
    workbook = load_workbook(io.BytesIO(api(victor).get(f"{base}.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("kpi", "metric_key", "period_start")
    assert len(rows) == len(lines)
    assert api(victor).get(f"{base}.pdf").status_code == 404
