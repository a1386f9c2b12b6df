"""Engagements: a partnership with one vendor, with its contract, contacts, notes and documents."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from accord.lib.uploads import RandomName, validate_evidence_file
from accord.vendors.models import PricingModel, Vendor, currency_code


class EngagementStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Visibility(models.TextChoices):
    INTERNAL = "internal", "Internal (client only)"
    SHARED = "shared", "Shared with the vendor"


class Engagement(models.Model):
    """A partnership with one vendor; the vendor's users see its shared parts."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="engagements")
    status = models.CharField(
        max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.PROPOSED
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    scope = models.TextField(blank=True)
    pricing_model = models.CharField(max_length=30, choices=PricingModel.choices, blank=True)
    budget = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_code])
    contract_reference = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["vendor", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="engagement_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date must not be before the start date."})

    def audit_scope(self) -> tuple[Engagement, bool]:
        return self, True


class ContactSide(models.TextChoices):
    CLIENT = "client", "Client"
    VENDOR = "vendor", "Vendor"


class Contact(models.Model):
    """A named person on either side of an engagement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="contacts")
    side = models.CharField(max_length=10, choices=ContactSide.choices)
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["engagement", "side", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[Engagement, bool]:
        return self.engagement, True


class Note(models.Model):
    """A note or comment on an engagement; internal unless marked shared."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:60]

    def audit_scope(self) -> tuple[Engagement, bool]:
        return self.engagement, self.visibility == Visibility.SHARED


class Document(models.Model):
    """A document attached to an engagement; internal unless marked shared."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    file = models.FileField(
        upload_to=RandomName("engagement-documents"),
        validators=[validate_evidence_file],
        max_length=200,
    )
    original_name = models.CharField(max_length=200, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_scope(self) -> tuple[Engagement, bool]:
        return self.engagement, self.visibility == Visibility.SHARED
