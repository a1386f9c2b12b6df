"""The sync schedule: due syncs claimed once, queued once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accord.delivery.actions.sources import claim_due_syncs, request_sync
from accord.delivery.models import DataSource, SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def jira(vistula_engagement):
    return DataSource.objects.create(
        engagement=vistula_engagement,
        kind="jira",
        name="Jira",
        sync_enabled=True,
        sync_interval_minutes=30,
    )


def test_a_due_sync_is_claimed_once_however_many_schedulers_look(jira):
    # given a source that has never synced
    now = timezone.now()
    # when two schedulers look at the same moment
    first, second = claim_due_syncs(now), claim_due_syncs(now)
    # then only the first claims it, and the next claim is due after the interval
    assert (first, second) == ([jira.pk], [])
    jira.refresh_from_db()
    assert jira.next_sync_at == now + dt.timedelta(minutes=30)
    assert claim_due_syncs(now + dt.timedelta(minutes=31)) == [jira.pk]


def test_disabled_sources_are_never_scheduled(jira):
    DataSource.objects.filter(pk=jira.pk).update(sync_enabled=False)
    assert claim_due_syncs() == []


def test_a_second_sync_request_joins_the_queued_one(jira, mark, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = request_sync(data_source=jira, requested_by=mark)
        second = request_sync(data_source=jira, requested_by=mark)
    assert first == second and SyncRun.objects.count() == 1
    assert len(callbacks) == 1


def test_a_new_source_syncs_every_15_minutes_by_default(vistula_engagement):
    source = DataSource.objects.create(engagement=vistula_engagement, kind="jira", name="J")
    assert source.sync_interval_minutes == 15
