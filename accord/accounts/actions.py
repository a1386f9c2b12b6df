"""Writes about organizations, users, invitations and API tokens."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import (
    CLIENT_ROLES,
    VENDOR_ROLES,
    ApiToken,
    Invitation,
    Organization,
    OrganizationKind,
    User,
)
from accord.audit.actions import create_audited, record_event, snapshot, update_audited
from accord.audit.models import AuditAction

logger = logging.getLogger(__name__)
_INVITE_SALT = "accord.invitation"


def _check_role_fits(organization: Organization, role: str) -> None:
    allowed = CLIENT_ROLES if organization.kind == OrganizationKind.CLIENT else VENDOR_ROLES
    if role not in allowed:
        names = ", ".join(sorted(allowed))
        raise ValidationError(
            {"role": f"A {organization.kind} user's role must be one of {names}."}
        )


@transaction.atomic
def ensure_client_organization(*, name: str = "Our company") -> Organization:
    """Return the install's client organization, creating it on first use."""
    org, _ = Organization.objects.get_or_create(
        kind=OrganizationKind.CLIENT, defaults={"name": name}
    )
    return org


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    email: str,
    organization: Organization,
    role: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user in an organization with one role; a None password disables password login."""
    _check_role_fits(organization, role)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username “{username}” is taken."})
    user = User(
        username=username,
        email=email,
        organization=organization,
        role=role,
        first_name=first_name,
        last_name=last_name,
    )
    if password is None:
        user.set_unusable_password()
    else:
        validate_password(password, user)
        user.set_password(password)
    return create_audited(actor=actor, instance=user)


@transaction.atomic
def update_user(
    *, actor: User, user: User, role: str, is_active: bool, first_name: str, last_name: str
) -> User:
    """Change a user's role, name or whether they may log in."""
    assert user.organization is not None
    _check_role_fits(user.organization, role)
    if user.pk == actor.pk and (role != user.role or not is_active):
        raise ValidationError("You cannot change your own role or deactivate yourself.")
    return update_audited(
        actor=actor,
        instance=user,
        fields={
            "role": role,
            "is_active": is_active,
            "first_name": first_name,
            "last_name": last_name,
        },
    )


def invitation_token(invitation: Invitation) -> str:
    """The secret part of an invitation link: the invitation's id, signed with the secret key."""
    return signing.Signer(salt=_INVITE_SALT).sign(str(invitation.public_id))


def invitation_path(invitation: Invitation) -> str:
    from django.urls import reverse

    return reverse("accounts:accept_invitation", args=[invitation_token(invitation)])


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link names, if the signature holds; None for a forged or mangled link."""
    try:
        public_id = signing.Signer(salt=_INVITE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Invitation.objects.select_related("organization").filter(public_id=public_id).first()


@transaction.atomic
def invite_user(*, actor: User, email: str, organization: Organization, role: str) -> Invitation:
    """Create an expiring single-use invitation, and email it when email is configured."""
    _check_role_fits(organization, role)
    if User.objects.filter(email__iexact=email, is_active=True).exists():
        raise ValidationError({"email": f"{email} already has an account."})
    invitation = Invitation(
        email=email,
        organization=organization,
        role=role,
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    record_event(
        actor=actor,
        action=AuditAction.INVITE,
        instance=invitation,
        changes={
            "email": [None, email],
            "role": [None, role],
            "organization": [None, organization.pk],
        },
    )
    if settings.EMAIL_CONFIGURED:
        from accord.accounts.tasks import send_invitation_email_task

        transaction.on_commit(lambda: send_invitation_email_task.enqueue(invitation.pk))
    return invitation


@transaction.atomic
def accept_invitation(
    *, invitation: Invitation, username: str, password: str, first_name: str, last_name: str
) -> User:
    """Turn a pending invitation into an account; the link cannot be used again."""
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.is_usable:
        raise ValidationError(f"This invitation is {locked.state}; ask an admin for a new one.")
    user = create_user(
        actor=None,
        username=username,
        email=locked.email,
        organization=locked.organization,
        role=locked.role,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    before = snapshot(locked)
    locked.accepted_at = timezone.now()
    locked.accepted_user = user
    locked.save(update_fields=["accepted_at", "accepted_user"])
    record_event(
        actor=user,
        action=AuditAction.ACCEPT,
        instance=locked,
        changes={"accepted_at": [before["accepted_at"], locked.accepted_at.isoformat()]},
    )
    return user


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """Make a pending invitation unusable."""
    if not invitation.is_usable:
        raise ValidationError(f"This invitation is already {invitation.state}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_event(
        actor=actor,
        action=AuditAction.REVOKE,
        instance=invitation,
        changes={"revoked_at": [None, invitation.revoked_at.isoformat()]},
    )
    return invitation


@transaction.atomic
def issue_api_token(*, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """Create an API token; the plain token is returned once and only its digest is kept."""
    plain = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=ApiToken.digest_of(plain), prefix=plain[:8]
    )
    logger.info("accounts.api_token.issued", extra={"user_id": user.pk, "token_id": token.pk})
    return token, plain
