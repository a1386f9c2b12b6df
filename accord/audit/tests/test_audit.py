"""The audit log: append-only, field-level, scoped by the policy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.audit.models import AppendOnlyError, AuditEvent
from accord.engagements.actions import update_engagement
from accord.vendors.actions import update_vendor
from conftest import logged_in

pytestmark = pytest.mark.django_db


def test_an_update_records_who_changed_which_field_from_what_to_what(mark, vistula_engagement):
    # when mark pauses the engagement and changes its budget
    update_engagement(
        actor=mark, engagement=vistula_engagement, status="paused", budget="2000000.00"
    )
    # then one event holds both changes with their old and new values
    event = AuditEvent.objects.filter(action="update", object_type="engagements.engagement").get()
    assert event.actor == mark and event.actor_name == "mark"
    assert event.changes == {"budget": ["1850000.00", "2000000.00"], "status": ["active", "paused"]}
    assert event.engagement == vistula_engagement and event.shared


def test_saving_without_changes_records_nothing(mark, vistula):
    before = AuditEvent.objects.count()
    update_vendor(actor=mark, vendor=vistula, team_size=vistula.team_size)
    assert AuditEvent.objects.count() == before


def test_many_to_many_changes_are_recorded(mark, vistula):
    from accord.vendors.models import Industry

    fintech = Industry.objects.get(slug="fintech")
    update_vendor(actor=mark, vendor=vistula, industries=[fintech])
    event = AuditEvent.objects.filter(action="update", object_type="vendors.vendor").get()
    assert event.changes == {"industries": [[], [fintech.pk]]}


def test_a_delete_keeps_the_last_values(mark, vistula_engagement, internal_note):
    from accord.engagements.actions import delete_note

    delete_note(actor=mark, note=internal_note)
    event = AuditEvent.objects.get(action="delete", object_type="engagements.note")
    assert event.changes["body"] == ["Budget headroom is thin.", None]
    assert not event.shared


def test_audit_events_cannot_be_changed_or_deleted(mark, vistula):
    event = AuditEvent.objects.first()
    event.object_repr = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(object_repr="tampered").count() == 0


def test_an_admin_reads_the_whole_log(everyone, vistula_engagement):
    page = logged_in(everyone["admin"]).get(reverse("audit:list")).content.decode()
    assert "Mobile banking app" in page and "lena" in page


def test_a_vendor_user_reads_only_shared_events_of_their_engagements(
    everyone, vistula_engagement, deccan_engagement, internal_note, shared_note
):
    page = logged_in(everyone["vendor_member"]).get(reverse("audit:list")).content.decode()
    assert "QBR moves to June." in page
    assert "Budget headroom" not in page
    assert "Payments platform" not in page
    assert "dora" not in page


def test_an_evaluator_may_not_read_the_log(everyone):
    assert logged_in(everyone["evaluator"]).get(reverse("audit:list")).status_code == 403


def test_the_api_hides_another_vendors_events_as_not_found(everyone, deccan_engagement):
    from rest_framework.test import APIClient

    event = AuditEvent.objects.get(
        object_type="engagements.engagement", object_id=str(deccan_engagement.pk)
    )
    api = APIClient()
    api.force_authenticate(everyone["vendor_lead"])
    assert api.get(f"/api/v1/audit-events/{event.pk}/").status_code == 404
    api.force_authenticate(everyone["admin"])
    assert api.get(f"/api/v1/audit-events/{event.pk}/").status_code == 200
