"""The worker's red-flag refreshes: what time alone changes is caught up on a schedule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.cli import scheduler_tick
from accord.selection import actions
from accord.selection.models import Candidate, Evaluation
from accord.selection.tasks import refresh_red_flags_task
from accord.vendors import actions as vendor_actions
from accord.vendors.models import Certification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def undated(evaluation: Evaluation, vistula_candidate: Candidate, mark: User) -> Evaluation:
    """The evaluation without a planned start (evidence is computed for today), Vistula's
    ISO 27001 certificate lapsing in 100 days: ten days outside the expiry window."""
    actions.update_requirements(actor=mark, evaluation=evaluation, planned_start=None)
    certificate = vistula_candidate.vendor.certifications.get(kind="iso_27001")
    vendor_actions.update_vendor_item(
        actor=mark, item=certificate, valid_until=timezone.localdate() + dt.timedelta(days=100)
    )
    evaluation.refresh_from_db()
    return evaluation


def rules(candidate: Candidate) -> set[str]:
    return set(candidate.red_flags.values_list("rule", flat=True))


def test_a_certificate_coming_into_its_expiry_window_is_flagged_by_the_scheduled_refresh(
    undated: Evaluation, vistula_candidate: Candidate
) -> None:
    # given no flag while the certificate has 100 days left
    assert "certificate_expiring" not in rules(vistula_candidate)

    # when the scheduler looks eleven days later
    later = timezone.now() + dt.timedelta(days=11)
    queued = actions.schedule_flag_refreshes(now=later)

    # then the refresh ran as of that day: the warning is raised, and audited with no actor
    assert queued == [undated.pk]
    flag = vistula_candidate.red_flags.get(rule="certificate_expiring")
    assert flag.severity == "warning"
    assert "89 days left" in flag.explanation
    assert AuditEvent.objects.filter(
        object_type="selection.redflag", object_id=str(flag.pk), action="create", actor=None
    ).exists()


def test_running_the_scheduled_refresh_twice_changes_nothing(
    undated: Evaluation, vistula_candidate: Candidate
) -> None:
    # given the scheduled refresh ran eleven days later
    later = timezone.now() + dt.timedelta(days=11)
    actions.schedule_flag_refreshes(now=later)
    flags = list(vistula_candidate.red_flags.order_by("pk").values())
    events = AuditEvent.objects.count()

    # when a second scheduler looks at the same moment, and the same refresh runs again
    again = actions.schedule_flag_refreshes(now=later)
    refresh_red_flags_task.call(undated.pk, later.isoformat())

    # then nothing was queued the second time, and nothing changed or was audited
    assert again == []
    assert list(vistula_candidate.red_flags.order_by("pk").values()) == flags
    assert AuditEvent.objects.count() == events


def test_a_refresh_is_claimed_once_however_many_schedulers_look(undated: Evaluation) -> None:
    # given an evaluation never refreshed by the schedule
    now = timezone.now()

    # when two schedulers look at the same moment
    first, second = actions.claim_due_flag_refreshes(now), actions.claim_due_flag_refreshes(now)

    # then only the first claims it, and it is due again a day later
    assert (first, second) == ([undated.pk], [])
    undated.refresh_from_db()
    assert undated.next_flag_refresh_at == now + dt.timedelta(hours=24)
    assert actions.claim_due_flag_refreshes(now + dt.timedelta(hours=23)) == []
    assert actions.claim_due_flag_refreshes(now + dt.timedelta(hours=25)) == [undated.pk]


def test_the_interval_comes_from_the_settings_and_zero_turns_the_schedule_off(
    undated: Evaluation, settings: Any
) -> None:
    now = timezone.now()
    settings.FLAG_REFRESH_HOURS = 0
    assert actions.claim_due_flag_refreshes(now) == []

    settings.FLAG_REFRESH_HOURS = 6
    assert actions.claim_due_flag_refreshes(now) == [undated.pk]
    undated.refresh_from_db()
    assert undated.next_flag_refresh_at == now + dt.timedelta(hours=6)


def test_decided_evaluations_keep_the_flags_the_decision_was_taken_on(
    undated: Evaluation, vistula_candidate: Candidate, mark: User
) -> None:
    # given the evaluation is decided for Vistula while its certificate has 100 days left
    actions.record_decision(
        actor=mark, evaluation=undated, selected=vistula_candidate, reason="Best fit."
    )
    later = timezone.now() + dt.timedelta(days=11)

    # when the scheduler looks eleven days later, and a refresh queued before the decision runs
    queued = actions.schedule_flag_refreshes(now=later)
    ran = refresh_red_flags_task.call(undated.pk, later.isoformat())

    # then neither touches its flags
    assert (queued, ran) == ([], None)
    assert "certificate_expiring" not in rules(vistula_candidate)


def test_the_workers_scheduler_tick_refreshes_what_time_changed(
    undated: Evaluation, vistula_candidate: Candidate
) -> None:
    # given the certificate now lapses in 80 days, stored directly (days passing is what this
    # test is about, and a change through Accord would refresh the flags at once)
    Certification.objects.filter(vendor=vistula_candidate.vendor).update(
        valid_until=timezone.localdate() + dt.timedelta(days=80)
    )
    assert "certificate_expiring" not in rules(vistula_candidate)

    # when the worker's scheduler ticks
    scheduler_tick()

    # then the evaluation's refresh was queued, ran, and is next due in a day
    assert "certificate_expiring" in rules(vistula_candidate)
    undated.refresh_from_db()
    assert undated.next_flag_refresh_at is not None
    assert undated.next_flag_refresh_at > timezone.now() + dt.timedelta(hours=23)
