"""The access policy, asked directly: who may see and do what."""

from __future__ import annotations

import pytest

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.engagements.models import Engagement, Note
from accord.vendors.models import Vendor

pytestmark = pytest.mark.django_db

WRITE_PERMS = [
    Perm.ADD_VENDOR,
    Perm.CHANGE_VENDOR,
    Perm.DELETE_VENDOR,
    Perm.ADD_ENGAGEMENT,
    Perm.CHANGE_ENGAGEMENT,
    Perm.DELETE_ENGAGEMENT,
]


@pytest.mark.parametrize(
    ("role", "may_write"),
    [
        ("admin", True),
        ("manager", True),
        ("evaluator", False),
        ("viewer", False),
        ("vendor_lead", False),
        ("vendor_member", False),
    ],
)
def test_only_admins_and_managers_write_vendors_and_engagements(everyone, role, may_write):
    # given a user of each role
    user = everyone[role]
    # when / then
    assert all(policy.can(user, perm) is may_write for perm in WRITE_PERMS)


def test_only_admins_manage_users(everyone):
    assert [r for r, u in everyone.items() if policy.can(u, Perm.MANAGE_USERS)] == ["admin"]


def test_client_users_see_every_vendor_and_engagement(
    everyone, vistula_engagement, deccan_engagement
):
    for role in ("admin", "manager", "evaluator", "viewer"):
        assert set(policy.visible_vendors(everyone[role])) == set(Vendor.objects.all())
        assert set(policy.visible_engagements(everyone[role])) == {
            vistula_engagement,
            deccan_engagement,
        }


def test_a_vendor_user_sees_only_their_own_vendor_and_its_engagements(
    everyone, vistula, vistula_engagement, deccan_engagement
):
    # given lena and milo of Vistula
    for role in ("vendor_lead", "vendor_member"):
        user = everyone[role]
        # then only Vistula and its engagement are visible
        assert list(policy.visible_vendors(user)) == [vistula]
        assert list(policy.visible_engagements(user)) == [vistula_engagement]
        assert deccan_engagement not in policy.visible_engagements(user)


def test_vendor_users_see_shared_notes_only(
    everyone, vistula_engagement, internal_note, shared_note
):
    # when a vendor member and a viewer list the notes
    vendor_notes = set(policy.visible_notes(everyone["vendor_member"], vistula_engagement))
    client_notes = set(policy.visible_notes(everyone["viewer"], vistula_engagement))
    # then the internal note is hidden from the vendor only
    assert vendor_notes == {shared_note}
    assert client_notes == {shared_note, internal_note}


def test_object_rules_stop_a_vendor_lead_at_another_vendors_engagement(
    everyone, vistula_engagement, deccan_engagement
):
    lead = everyone["vendor_lead"]
    assert policy.can(lead, Perm.COMMENT_ENGAGEMENT, vistula_engagement)
    assert not policy.can(lead, Perm.COMMENT_ENGAGEMENT, deccan_engagement)
    assert not policy.can(everyone["vendor_member"], Perm.COMMENT_ENGAGEMENT, vistula_engagement)


def test_an_inactive_user_may_do_nothing(everyone, vistula_engagement):
    # given a manager whose account was deactivated
    manager = everyone["manager"]
    manager.is_active = False
    # then the policy refuses everything
    assert not policy.can(manager, Perm.VIEW_ENGAGEMENT)
    assert not policy.visible_engagements(manager).exists()


def test_a_vendor_user_without_a_vendor_sees_nothing(everyone, vistula_engagement):
    # given a vendor-side user whose organization has no vendor profile (misconfigured)
    lead = everyone["vendor_lead"]
    lead.organization = None
    # then nothing is visible rather than everything
    assert not policy.visible_engagements(lead).exists()
    assert not policy.visible_vendors(lead).exists()
    assert not policy.can(lead, Perm.COMMENT_ENGAGEMENT, vistula_engagement)


def test_vendor_users_see_audit_events_of_shared_objects_of_their_engagements_only(
    everyone, vistula_engagement, deccan_engagement, internal_note, shared_note
):
    # when Vistula's member reads the audit log
    events = policy.visible_audit_events(everyone["vendor_member"])
    # then they see the engagement and the shared note, not the internal note, nor Deccan's
    seen = {(e.object_type, e.object_id) for e in events}
    assert ("engagements.engagement", str(vistula_engagement.pk)) in seen
    assert ("engagements.note", str(shared_note.pk)) in seen
    assert ("engagements.note", str(internal_note.pk)) not in seen
    assert ("engagements.engagement", str(deccan_engagement.pk)) not in seen
    assert all(e.shared and e.engagement_id == vistula_engagement.pk for e in events)


def test_admins_see_every_audit_event_and_viewers_all_but_account_administration(everyone):
    from accord.audit.models import AuditEvent

    assert policy.visible_audit_events(everyone["admin"]).count() == AuditEvent.objects.count()
    viewer_types = set(
        policy.visible_audit_events(everyone["viewer"]).values_list("object_type", flat=True)
    )
    assert "accounts.user" not in viewer_types
    assert not policy.visible_audit_events(everyone["evaluator"]).exists()


def test_a_note_of_an_invisible_engagement_is_not_the_vendors_business(
    everyone, deccan_engagement, mark
):
    from accord.engagements.actions import add_note

    note: Note = add_note(actor=mark, engagement=deccan_engagement, body="x", visibility="shared")
    assert not policy.can(everyone["vendor_lead"], Perm.VIEW_ENGAGEMENT, note)
    assert isinstance(deccan_engagement, Engagement)
