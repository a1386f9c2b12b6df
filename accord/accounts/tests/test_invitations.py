"""Admins invite people with an expiring, single-use link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.actions import invitation_path, invite_user
from accord.accounts.models import Invitation, User
from accord.audit.models import AuditEvent
from conftest import logged_in

pytestmark = pytest.mark.django_db


def _accept(client, path, username="newbie", password="a-long-enough-passphrase"):
    return client.post(
        path,
        {
            "username": username,
            "first_name": "New",
            "last_name": "Bie",
            "password": password,
            "password_again": password,
        },
    )


def test_an_admin_invites_a_vendor_lead_and_the_link_creates_the_account(alice, vistula):
    # given alice invites someone to Vistula as its lead
    admin = logged_in(alice)
    response = admin.post(
        reverse("accounts:invite"),
        {
            "email": "new.lead@vistula.example",
            "organization": vistula.organization.pk,
            "role": "vendor_lead",
        },
    )
    assert response.status_code == 200
    link = re.search(r'value="(http[^"]+/invite/[^"]+)"', response.content.decode()).group(1)
    # when the invitee opens the link and chooses credentials
    path = link.split("testserver", 1)[1]
    invitee = Client()
    assert invitee.get(path).status_code == 200
    response = _accept(invitee, path)
    # then the account exists with the invited role and organization, and they are logged in
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert (user.role, user.organization, user.email) == (
        "vendor_lead",
        vistula.organization,
        "new.lead@vistula.example",
    )
    assert invitee.get(reverse("dashboard")).status_code == 200
    assert AuditEvent.objects.filter(object_type="accounts.invitation", action="accept").exists()


def test_an_invitation_link_works_only_once(alice, client_org, client):
    invitation = invite_user(
        actor=alice, email="x@example.com", organization=client_org, role="viewer"
    )
    path = invitation_path(invitation)
    assert _accept(client, path).status_code == 302
    # when someone uses the same link again
    response = _accept(Client(), path, username="second")
    # then it is refused and no second account is made
    assert response.status_code == 410
    assert not User.objects.filter(username="second").exists()


def test_an_expired_invitation_is_refused(alice, client_org, client):
    invitation = invite_user(
        actor=alice, email="x@example.com", organization=client_org, role="viewer"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = _accept(client, invitation_path(invitation))
    assert response.status_code == 410
    assert b"expired" in response.content
    assert not User.objects.filter(username="newbie").exists()


def test_a_revoked_invitation_is_refused(alice, client_org, client):
    invitation = invite_user(
        actor=alice, email="x@example.com", organization=client_org, role="viewer"
    )
    logged_in(alice).post(reverse("accounts:revoke_invitation", args=[invitation.pk]))
    assert _accept(client, invitation_path(invitation)).status_code == 410


def test_a_forged_invitation_link_is_not_found(alice, client_org, client):
    invitation = invite_user(
        actor=alice, email="x@example.com", organization=client_org, role="viewer"
    )
    forged = invitation_path(invitation)[:-3] + "abc/"
    assert client.get(forged).status_code == 404


def test_a_vendor_role_cannot_be_given_to_a_client_user(alice, client_org):
    admin = logged_in(alice)
    response = admin.post(
        reverse("accounts:invite"),
        {"email": "x@example.com", "organization": client_org.pk, "role": "vendor_lead"},
    )
    assert response.status_code == 400
    assert "role must be one of" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_weak_password_is_refused_when_accepting(alice, client_org, client):
    invitation = invite_user(
        actor=alice, email="x@example.com", organization=client_org, role="viewer"
    )
    response = _accept(client, invitation_path(invitation), password="12345678")
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()
    assert Invitation.objects.get(pk=invitation.pk).is_usable


def test_the_invitation_is_emailed_when_email_is_configured(
    alice, client_org, settings, django_capture_on_commit_callbacks
):
    # given email is configured and tasks run at once
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ACCORD_BASE_URL = "https://accord.example.com"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # when alice invites someone (on commit, the email task runs)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite_user(
            actor=alice, email="pat@example.com", organization=client_org, role="manager"
        )
    # then the email holds the single-use link
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.com"]
    assert "https://accord.example.com" + invitation_path(invitation) in mail.outbox[0].body


def test_nothing_is_emailed_when_email_is_not_configured(alice, client_org, settings):
    settings.EMAIL_CONFIGURED = False
    invite_user(actor=alice, email="pat@example.com", organization=client_org, role="manager")
    assert mail.outbox == []


def test_only_admins_may_invite(mark, client_org):
    response = logged_in(mark).post(
        reverse("accounts:invite"),
        {"email": "x@example.com", "organization": client_org.pk, "role": "viewer"},
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
