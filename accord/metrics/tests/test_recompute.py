"""Recomputing KPI measurements: which periods, what lands, and that the incremental recompute
after an import gives exactly what a full recompute gives."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.delivery.actions.records import run_import, upsert_records
from accord.delivery.models import DataSource, SyncRun, WorkItem
from accord.metrics import actions
from accord.metrics.actions.recompute import periods_to_compute
from accord.metrics.models import KPI, Measurement, SurveyResponse
from accord.metrics.tasks import recompute_kpis_task

pytestmark = pytest.mark.django_db

UTC = dt.UTC
START = dt.datetime(2026, 1, 5, tzinfo=UTC)  # the vistula_engagement fixture's start date


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_a_kpi_is_measured_from_the_engagement_start_to_the_current_period(
    mark, vistula_engagement
):
    kpi = KPI(engagement=vistula_engagement, period_kind="month")
    now = dt.datetime(2026, 4, 10, 12, tzinfo=UTC)
    periods = periods_to_compute(kpi, vistula_engagement, now=now)
    assert [p[0].month for p in periods] == [1, 2, 3, 4]
    assert periods[0][0] == dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert periods[-1][1] == dt.datetime(2026, 5, 1, tzinfo=UTC)
    since = dt.datetime(2026, 2, 14, tzinfo=UTC)
    until = dt.datetime(2026, 3, 1, tzinfo=UTC)
    touched = periods_to_compute(kpi, vistula_engagement, now=now, since=since, until=until)
    assert touched == [(dt.datetime(2026, 2, 1, tzinfo=UTC), dt.datetime(2026, 3, 1, tzinfo=UTC))]


def test_weeks_run_monday_to_monday_and_quarters_by_three_months(mark, vistula_engagement):
    now = dt.datetime(2026, 1, 21, tzinfo=UTC)
    weeks = periods_to_compute(KPI(period_kind="week"), vistula_engagement, now=now)
    assert [w[0].date().isoformat() for w in weeks] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    quarters = periods_to_compute(
        KPI(period_kind="quarter"), vistula_engagement, now=dt.datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert [(q[0].month, q[1].month) for q in quarters] == [(1, 4), (4, 7), (7, 10)]


def test_recompute_stores_value_status_and_evidence_count_per_period(mark, vistula_engagement):
    # given: January 2 of 2 answers are 4-5 (on track), February 1 of 2 (off track), March none
    for day, score in ((10, 5), (11, 4), (40, 5), (41, 1)):
        SurveyResponse.objects.create(
            engagement=vistula_engagement,
            kind="csat",
            score=score,
            responded_at=START + dt.timedelta(days=day),
        )
    kpi = actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="csat",
        target=0.8,
        warning_threshold=0.6,
    )
    # when
    written = actions.recompute_engagement(
        vistula_engagement.pk, now=dt.datetime(2026, 3, 20, tzinfo=UTC)
    )
    # then
    assert written == 3
    rows = list(
        kpi.measurements.order_by("period_start").values_list("value", "status", "evidence_count")
    )
    assert rows == [(1.0, "on_track", 2), (0.5, "off_track", 2), (None, "no_data", 0)]


def test_recomputing_again_updates_rows_in_place(mark, vistula_engagement):
    kpi = actions.define_kpi(
        actor=mark, engagement=vistula_engagement, metric_key="nps", target=30, warning_threshold=0
    )
    now = dt.datetime(2026, 2, 20, tzinfo=UTC)
    actions.recompute_engagement(vistula_engagement.pk, now=now)
    ids = set(kpi.measurements.values_list("id", flat=True))
    SurveyResponse.objects.create(
        engagement=vistula_engagement, kind="nps", score=10, responded_at=now
    )
    actions.recompute_engagement(vistula_engagement.pk, now=now)
    assert set(kpi.measurements.values_list("id", flat=True)) == ids
    assert kpi.measurements.get(period_start__month=2).value == 100.0


def test_an_inactive_kpi_is_not_recomputed(mark, vistula_engagement):
    kpi = actions.define_kpi(
        actor=mark, engagement=vistula_engagement, metric_key="nps", target=30, warning_threshold=0
    )
    actions.deactivate_kpi(actor=mark, kpi=kpi)
    assert actions.recompute_engagement(vistula_engagement.pk) == 0


def test_the_task_of_a_deleted_engagement_does_nothing():
    assert recompute_kpis_task.call(987654, None, None, None) == 0


def test_an_import_of_survey_responses_recomputes_the_kpis_it_touches(
    mark, vistula_engagement, immediate_tasks, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        kpi = actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key="csat",
            target=0.8,
            warning_threshold=0.6,
        )
    assert kpi.measurements.get(period_start__month=3).status == "no_data"
    throughput = actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="throughput",
        target=2,
        warning_threshold=1,
    )
    actions.recompute_engagement(vistula_engagement.pk, kpi_ids=[throughput.pk])
    computed = set(throughput.measurements.values_list("computed_at", flat=True))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_survey_responses(
            actor=mark,
            engagement=vistula_engagement,
            data="kind,score,responded at\ncsat,5,2026-03-02\ncsat,3,2026-03-03\n",
        )
    # then
    march = kpi.measurements.get(period_start__month=3)
    assert (march.value, march.status, march.evidence_count) == (0.5, "off_track", 2)
    # and KPIs that read no survey were left alone
    assert set(throughput.measurements.values_list("computed_at", flat=True)) == computed


def test_a_delivery_file_import_recomputes_the_kpis(
    mark, vistula_engagement, immediate_tasks, django_capture_on_commit_callbacks, tmp_path
):
    # given: a throughput KPI measured before any delivery data arrived
    from accord.delivery.actions.sources import find_or_create_source, import_path

    kpi = actions.define_kpi(
        actor=mark,
        engagement=vistula_engagement,
        metric_key="throughput",
        target=2,
        warning_threshold=1,
    )
    actions.recompute_engagement(vistula_engagement.pk)
    assert set(kpi.measurements.values_list("status", flat=True)) == {"no_data"}
    export = tmp_path / "items.csv"
    export.write_text(
        "key,title,status,created,started,done\n"
        "A-1,One,Done,2026-02-02,2026-02-03,2026-02-10\n"
        "A-2,Two,Done,2026-02-04,2026-02-05,2026-03-12\n"
        "A-3,Three,Done,2026-02-04,2026-03-05,2026-03-13\n"
    )
    source = find_or_create_source(
        actor=mark, engagement=vistula_engagement, kind="csv", name="Tracker"
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        run = import_path(data_source=source, path=export, requested_by=mark)
    # then
    assert run.status == "succeeded", run.error
    by_month = {
        m.period_start.month: (m.value, m.status)
        for m in kpi.measurements.filter(period_start__month__in=[1, 2, 3])
    }
    assert by_month == {1: (None, "no_data"), 2: (1.0, "at_risk"), 3: (2.0, "on_track")}


@pytest.mark.parametrize(("atomic", "queued"), [(True, False), (False, True)])
def test_a_failed_import_queues_a_recompute_only_when_its_pages_were_kept(
    vistula_engagement, monkeypatch, atomic, queued
):
    # given an import that writes an item, then fails
    from accord.metrics.actions import recompute as recompute_module

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        recompute_module, "enqueue_recompute", lambda engagement_id, **kw: calls.append(kw)
    )
    source = DataSource.objects.create(engagement=vistula_engagement, kind="csv", name="Items")
    row = _row(1, (100, 5, 10, False))

    def work(summary: Any) -> None:
        upsert_records(WorkItem, data_source=source, rows=[row], fields=FIELDS)
        raise RuntimeError("the service went away")

    # when
    run = run_import(data_source=source, trigger=SyncRun.Trigger.SYNC, work=work, atomic=atomic)
    # then
    assert run.status == "failed"
    wanted = {"work_items", "status_times", "sprints", "epics"}
    assert calls == ([{"since": row["created_at"], "needs": wanted}] if queued else [])


def test_an_import_recomputes_only_the_kpis_whose_records_it_changed(
    mark, vistula_engagement, immediate_tasks, django_capture_on_commit_callbacks
):
    # given a work-item KPI and a pull-request KPI, both measured
    kpis = {
        key: actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key=key,
            target=2,
            warning_threshold=warning,
        )
        for key, warning in (("throughput", 1), ("pr_pickup_p50_hours", 4))
    }
    actions.recompute_engagement(vistula_engagement.pk)
    before = {
        key: set(kpi.measurements.values_list("computed_at", flat=True))
        for key, kpi in kpis.items()
    }
    source = DataSource.objects.create(engagement=vistula_engagement, kind="csv", name="Items")
    # when a sync changes work items only
    with django_capture_on_commit_callbacks(execute=True):
        run_import(
            data_source=source,
            trigger=SyncRun.Trigger.SYNC,
            work=lambda summary: upsert_records(
                WorkItem, data_source=source, rows=[_row(1, (100, 5, 10, False))], fields=FIELDS
            ),
        )
    # then the throughput KPI was measured again and the pull-request one was left alone
    after = {
        key: set(kpi.measurements.values_list("computed_at", flat=True))
        for key, kpi in kpis.items()
    }
    assert after["throughput"] != before["throughput"]
    assert after["pr_pickup_p50_hours"] == before["pr_pickup_p50_hours"]


@pytest.mark.parametrize(
    ("kinds", "needs"),
    [
        ({"workitem"}, {"work_items", "status_times", "sprints", "epics"}),
        ({"deployment"}, {"deployments", "incidents"}),
        ({"pullrequest", "sprint"}, {"pull_requests", "deployments", "incidents", "sprints"}),
        ({"commit"}, set()),
        ({"workitem", "somethingnew"}, None),
    ],
)
def test_what_a_change_to_each_kind_of_record_recomputes(kinds, needs):
    from accord.metrics.catalog.records import needs_after_change

    assert needs_after_change(kinds) == needs


# --- incremental recompute after a delivery import equals a full recompute -------------------

FIELDS = ["key", "title", "status", "status_category", "created_at", "updated_at"]
FIELDS += ["started_at", "done_at", "cycle_time", "lead_time"]

hours = st.integers(min_value=1, max_value=24 * 40)
item_facts = st.tuples(
    st.integers(min_value=0, max_value=24 * 250),  # created, hours after the start
    st.one_of(st.none(), hours),  # started, hours after created
    st.one_of(st.none(), hours),  # done, hours after started
    st.booleans(),  # cancelled (when not done)
)


def _row(number: int, facts: tuple[int, int | None, int | None, bool]) -> dict[str, Any]:
    created_h, start_h, done_h, cancelled = facts
    created = START + dt.timedelta(hours=created_h)
    started = created + dt.timedelta(hours=start_h) if start_h is not None else None
    done = started + dt.timedelta(hours=done_h) if started and done_h is not None else None
    category = (
        "done" if done else "cancelled" if cancelled else "in_progress" if started else "todo"
    )
    return {
        "external_id": str(number),
        "key": f"K-{number}",
        "title": f"Item {number}",
        "status": category,
        "status_category": category,
        "created_at": created,
        "updated_at": max(t for t in (created, started, done) if t is not None),
        "started_at": started,
        "done_at": done,
        "cycle_time": done - started if done and started else None,
        "lead_time": done - created if done else None,
    }


def _import(source: DataSource, rows: list[dict[str, Any]]) -> None:
    def work(summary: Any) -> None:
        upsert_records(WorkItem, data_source=source, rows=rows, fields=FIELDS)

    run = run_import(data_source=source, trigger=SyncRun.Trigger.IMPORT, work=work)
    assert run.status == "succeeded", run.error


def _snapshot(engagement: Any) -> dict[tuple[int, dt.datetime], tuple[Any, ...]]:
    return {
        (m.kpi_id, m.period_start): (m.value, m.status, m.evidence_count)
        for m in Measurement.objects.filter(kpi__engagement=engagement)
    }


@pytest.fixture
def flow_kpis(mark, vistula_engagement) -> list[KPI]:
    specs = [
        ("throughput", "month", 10, 5),
        ("throughput", "week", 3, 1),
        ("cycle_time_p50_hours", "month", 48, 96),
        ("lead_time_p50_hours", "month", 100, 200),
        ("wip", "month", 3, 6),
        ("aging_wip", "month", 0, 2),
    ]
    return [
        actions.define_kpi(
            actor=mark,
            engagement=vistula_engagement,
            metric_key=key,
            name=f"{key} per {kind}",
            period_kind=kind,
            target=target,
            warning_threshold=threshold,
        )
        for key, kind, target, threshold in specs
    ]


_sources = itertools.count()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    initial=st.lists(item_facts, min_size=1, max_size=12),
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=20), item_facts), min_size=1, max_size=5
    ),
)
def test_an_incremental_recompute_after_an_import_equals_a_full_recompute(
    vistula_engagement,
    flow_kpis,
    immediate_tasks,
    django_capture_on_commit_callbacks,
    initial,
    changes,
):
    # given: items imported and every KPI fully computed
    source = DataSource.objects.create(
        engagement=vistula_engagement, kind="csv", name=f"Items {next(_sources)}"
    )
    DataSource.objects.filter(engagement=vistula_engagement).exclude(pk=source.pk).delete()
    Measurement.objects.filter(kpi__engagement=vistula_engagement).delete()
    _import(source, [_row(n, facts) for n, facts in enumerate(initial)])
    actions.recompute_engagement(vistula_engagement.pk)
    # when: an import changes some items and adds others (numbers past the initial ones are
    # new), and the recompute it queued runs for the periods it touched
    rows = {n: _row(n, facts) for n, facts in changes}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _import(source, list(rows.values()))
    incremental = _snapshot(vistula_engagement)
    # then
    actions.recompute_engagement(vistula_engagement.pk)
    assert incremental == _snapshot(vistula_engagement)
    assert len(callbacks) <= 1
