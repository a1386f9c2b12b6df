"""User management is for admins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.audit.models import AuditEvent
from conftest import logged_in

pytestmark = pytest.mark.django_db


def test_an_admin_sees_every_user(everyone):
    response = logged_in(everyone["admin"]).get(reverse("accounts:users"))
    assert response.status_code == 200
    for user in everyone.values():
        assert user.username in response.content.decode()


@pytest.mark.parametrize("role", ["manager", "evaluator", "viewer", "vendor_lead", "vendor_member"])
def test_nobody_else_sees_the_user_list(everyone, role):
    assert logged_in(everyone[role]).get(reverse("accounts:users")).status_code == 403


def test_an_admin_changes_a_role_and_the_change_is_audited(everyone):
    # given alice edits victor
    victor = everyone["viewer"]
    response = logged_in(everyone["admin"]).post(
        reverse("accounts:user_edit", args=[victor.pk]),
        {"first_name": "Victor", "last_name": "Hale", "role": "manager", "is_active": "on"},
    )
    # then victor is a manager and the audit log says who changed what
    assert response.status_code == 302
    victor.refresh_from_db()
    assert victor.role == "manager"
    event = AuditEvent.objects.filter(
        object_type="accounts.user", object_id=str(victor.pk), action="update"
    ).get()
    assert event.changes["role"] == ["viewer", "manager"]
    assert event.actor == everyone["admin"]


def test_a_vendor_user_cannot_be_given_a_client_role(everyone):
    lena = everyone["vendor_lead"]
    response = logged_in(everyone["admin"]).post(
        reverse("accounts:user_edit", args=[lena.pk]),
        {"first_name": "", "last_name": "", "role": "admin", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "role must be one of" in response.content.decode()
    lena.refresh_from_db()
    assert lena.role == "vendor_lead"


def test_an_admin_cannot_lock_themselves_out(everyone):
    alice = everyone["admin"]
    response = logged_in(alice).post(
        reverse("accounts:user_edit", args=[alice.pk]),
        {"first_name": "", "last_name": "", "role": "admin"},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.is_active


def test_editing_an_unknown_user_is_not_found(everyone):
    assert (
        logged_in(everyone["admin"]).get(reverse("accounts:user_edit", args=[99999])).status_code
        == 404
    )
