"""Background work for accounts."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def send_invitation_email_task(invitation_id: int) -> None:
    """Email an invitation link; a no-op if it was accepted or revoked meanwhile."""
    from accord.accounts.actions import invitation_path
    from accord.accounts.models import Invitation

    invitation = Invitation.objects.select_related("organization").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_usable:
        logger.info("accounts.invitation.email_skipped", extra={"invitation_id": invitation_id})
        return
    link = f"{settings.ACCORD_BASE_URL}{invitation_path(invitation)}"
    send_mail(
        subject=f"You are invited to Accord ({invitation.organization.name})",
        message=(
            f"You have been invited to join {invitation.organization.name} on Accord as "
            f"{invitation.get_role_display()}.\n\nOpen this link to choose a username and "
            f"password: {link}\n\nThe link works once and expires on "
            f"{invitation.expires_at:%d %b %Y %H:%M} UTC."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )
    logger.info("accounts.invitation.emailed", extra={"invitation_id": invitation_id})
