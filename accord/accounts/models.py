"""Organizations (the client and its vendors), users with one role each, invitations, API tokens."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

if TYPE_CHECKING:
    from accord.vendors.models import Vendor


class OrganizationKind(models.TextChoices):
    CLIENT = "client", "Client"
    VENDOR = "vendor", "Vendor"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    EVALUATOR = "evaluator", "Evaluator"
    VIEWER = "viewer", "Viewer"
    VENDOR_LEAD = "vendor_lead", "Vendor lead"
    VENDOR_MEMBER = "vendor_member", "Vendor member"


CLIENT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.EVALUATOR, Role.VIEWER})
VENDOR_ROLES = frozenset({Role.VENDOR_LEAD, Role.VENDOR_MEMBER})


class Organization(models.Model):
    """The client company (one per install) or one vendor."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=OrganizationKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(kind="client"),
                name="one_client_organization",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_client(self) -> bool:
        return self.kind == OrganizationKind.CLIENT


class User(AbstractUser):
    """A person who logs in; belongs to one organization with one role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="users", null=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    time_zone = models.CharField(max_length=64, default="UTC")

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]), name="user_role_valid"
            )
        ]

    @property
    def is_vendor_user(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def vendor(self) -> Vendor | None:
        """The vendor a vendor-side user works for; None for client users."""
        if not self.is_vendor_user or self.organization is None:
            return None
        return getattr(self.organization, "vendor", None)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Invitation(models.Model):
    """A single-use, expiring link an admin sends to bring a new user in."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField()
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def is_usable(self) -> bool:
        return self.state == "pending"


class ApiToken(models.Model):
    """An API token; only its SHA-256 digest is stored, the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="API token")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
