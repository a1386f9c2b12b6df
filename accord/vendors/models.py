"""Vendor profiles and the evidence a buyer weighs: locations, certificates, work, references,
prices and process documents."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django_countries.fields import CountryField

from accord.lib.uploads import RandomName, validate_evidence_file

currency_code = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as EUR.")


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Accept IANA zone names only (Europe/Warsaw, Asia/Kolkata), never abbreviations."""
    if value not in _zone_names():
        raise ValidationError(f"“{value}” is not an IANA time zone such as Europe/Berlin.")


def validate_new_evidence(value: Any) -> None:
    """Check a file as it is uploaded; one already stored was checked then, and re-reading it on
    every edit would fail the edit (with a server error) if storage had lost it."""
    if getattr(value, "_committed", False):
        return
    validate_evidence_file(value)


class Industry(models.Model):
    """An industry a vendor serves (fintech, healthcare, SaaS…)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "industries"

    def __str__(self) -> str:
        return self.name


class Capability(models.Model):
    """A technology capability (AI/ML, blockchain, cloud, mobile…)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name


class PricingModel(models.TextChoices):
    TIME_AND_MATERIALS = "time_and_materials", "Time and materials"
    FIXED_PRICE = "fixed_price", "Fixed price"
    DEDICATED_TEAM = "dedicated_team", "Dedicated team"
    OUTCOME_BASED = "outcome_based", "Outcome-based"
    MIXED = "mixed", "Mixed"


class Vendor(models.Model):
    """A company that delivers (or may deliver) outsourced work to the client."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.PROTECT, related_name="vendor"
    )
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    legal_name = models.CharField(max_length=200, blank=True)
    website = models.URLField(blank=True)
    headquarters_country = CountryField(blank=True)
    description = models.TextField(blank=True)
    founded_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900)]
    )
    team_size = models.PositiveIntegerField(
        null=True, blank=True, help_text="Engineers the vendor employs today."
    )
    scale_up_capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Engineers the vendor can add to one client."
    )
    scale_up_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Weeks needed to add them."
    )
    scale_down_notice_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Notice needed to release engineers."
    )
    industries = models.ManyToManyField(Industry, blank=True, related_name="vendors")
    capabilities = models.ManyToManyField(Capability, blank=True, related_name="vendors")
    pricing_model = models.CharField(max_length=30, choices=PricingModel.choices, blank=True)
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_code])
    pricing_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryLocation(models.Model):
    """An office or hub the vendor delivers from, with its zone and working hours."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="locations")
    city = models.CharField(max_length=100)
    country = CountryField()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    work_start = models.TimeField(default=dt.time(9, 0))
    work_end = models.TimeField(default=dt.time(17, 0))
    headcount = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["vendor", "city"]

    def __str__(self) -> str:
        return f"{self.city}, {getattr(self.country, 'name', self.country)}"

    def clean(self) -> None:
        if self.work_start and self.work_end and self.work_start == self.work_end:
            raise ValidationError({"work_end": "Working hours must not start and end together."})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_time(self, moment: dt.datetime) -> dt.datetime:
        """`moment` (aware) as the wall-clock time at this location."""
        return moment.astimezone(self.zone)

    def is_working_at(self, moment: dt.datetime) -> bool:
        """Whether `moment` falls inside the location's working hours (overnight shifts too)."""
        now = self.local_time(moment).time()
        if self.work_start < self.work_end:
            return self.work_start <= now < self.work_end
        return now >= self.work_start or now < self.work_end

    def hours_in(self, zone: zoneinfo.ZoneInfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The working hours of `day` at this location, as times in another zone."""
        start = dt.datetime.combine(day, self.work_start, tzinfo=self.zone)
        end = dt.datetime.combine(day, self.work_end, tzinfo=self.zone)
        if end <= start:
            end += dt.timedelta(days=1)
        return start.astimezone(zone), end.astimezone(zone)


class CertificationKind(models.TextChoices):
    ISO_27001 = "iso_27001", "ISO/IEC 27001"
    SOC2_TYPE1 = "soc2_type1", "SOC 2 Type I"
    SOC2_TYPE2 = "soc2_type2", "SOC 2 Type II"
    GDPR = "gdpr", "GDPR"
    HIPAA = "hipaa", "HIPAA"
    PCI_DSS = "pci_dss", "PCI DSS"
    ISO_9001 = "iso_9001", "ISO 9001"
    ISO_27701 = "iso_27701", "ISO/IEC 27701"
    CMMI = "cmmi", "CMMI"
    OTHER = "other", "Other"


# A certificate that lapses within this many days is flagged as expiring.
EXPIRY_WARNING_DAYS = 90


class Certification(models.Model):
    """A certificate or regulatory attestation, with its validity and evidence."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=20, choices=CertificationKind.choices)
    name = models.CharField(max_length=100, blank=True, help_text="Required for “Other”.")
    issuer = models.CharField(max_length=150, blank=True)
    reference = models.CharField(max_length=100, blank=True, help_text="Certificate number.")
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    evidence = models.FileField(
        upload_to=RandomName("certifications"),
        blank=True,
        validators=[validate_new_evidence],
        max_length=200,
    )
    # The stored file has a random name; this is the name it was uploaded with.
    evidence_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["vendor", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="certification_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name if self.kind == CertificationKind.OTHER else self.get_kind_display()

    def clean(self) -> None:
        if self.kind == CertificationKind.OTHER and not self.name:
            raise ValidationError({"name": "Name the certificate when its kind is “Other”."})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "A certificate cannot expire before it starts."})

    def status_on(self, day: dt.date) -> str:
        """valid, expired or not_yet_valid on a given day."""
        if self.valid_from and day < self.valid_from:
            return "not_yet_valid"
        if self.valid_until and day > self.valid_until:
            return "expired"
        return "valid"

    @property
    def status_today(self) -> str:
        return self.status_on(timezone.localdate())

    def standing_on(self, day: dt.date) -> str:
        """Like `status_on`, but a valid certificate lapsing within 90 days is `expiring`."""
        status = self.status_on(day)
        if (
            status == "valid"
            and self.valid_until is not None
            and (self.valid_until - day).days <= EXPIRY_WARNING_DAYS
        ):
            return "expiring"
        return status

    @property
    def standing_today(self) -> str:
        return self.standing_on(timezone.localdate())

    @property
    def days_left(self) -> int | None:
        """Days until the certificate lapses (negative once it has), or None if it never does."""
        if self.valid_until is None:
            return None
        return (self.valid_until - timezone.localdate()).days


class CaseStudy(models.Model):
    """Work the vendor has delivered for a named (or anonymised) client."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="case_studies")
    title = models.CharField(max_length=200)
    client_name = models.CharField(max_length=200, blank=True)
    industry = models.ForeignKey(Industry, on_delete=models.SET_NULL, null=True, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1990)]
    )
    summary = models.TextField()
    outcome = models.TextField(blank=True)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["vendor", "-year", "title"]
        verbose_name_plural = "case studies"

    def __str__(self) -> str:
        return self.title


class ReferenceKind(models.TextChoices):
    REFERENCE = "reference", "Client reference"
    TESTIMONIAL = "testimonial", "Testimonial"


class Reference(models.Model):
    """A client the buyer may call, or a testimonial the vendor quotes."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="references")
    kind = models.CharField(max_length=20, choices=ReferenceKind.choices)
    company = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=150, blank=True)
    contact_role = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    quote = models.TextField(blank=True)
    may_contact = models.BooleanField(default=False)

    class Meta:
        ordering = ["vendor", "kind", "company"]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_kind_display()})"


class RateUnit(models.TextChoices):
    HOUR = "hour", "per hour"
    DAY = "day", "per day"
    MONTH = "month", "per month"


class RateCardLine(models.Model):
    """One role on the vendor's rate card. An empty amount means the vendor gave no price."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="rate_card")
    role = models.CharField(max_length=100)
    seniority = models.CharField(max_length=50, blank=True)
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(max_length=10, choices=RateUnit.choices, default=RateUnit.HOUR)
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_code])
    note = models.CharField(max_length=200, blank=True, help_text="e.g. “TBD”, “variable”.")

    class Meta:
        ordering = ["vendor", "role", "seniority"]

    def __str__(self) -> str:
        return f"{self.role} {self.seniority}".strip()


class DocumentKind(models.TextChoices):
    SDLC = "sdlc", "Software development process (SDLC)"
    SECURITY_POLICY = "security_policy", "Security policy"
    INCIDENT_RESPONSE = "incident_response", "Incident response plan"
    DATA_PROTECTION = "data_protection", "Data protection policy"
    BUSINESS_CONTINUITY = "business_continuity", "Business continuity plan"
    QUALITY = "quality", "Quality assurance process"
    OTHER = "other", "Other"


class VendorDocument(models.Model):
    """A process document the vendor provides as evidence."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=DocumentKind.choices)
    title = models.CharField(max_length=200)
    version = models.CharField(max_length=30, blank=True)
    file = models.FileField(
        upload_to=RandomName("vendor-documents"),
        validators=[validate_new_evidence],
        max_length=200,
    )
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["vendor", "kind", "title"]

    def __str__(self) -> str:
        return self.title
