"""KPIs (a catalog metric with a target, per engagement), their measurements per period, and the
values that do not come from the delivery tools: manual per-period values and survey responses.

Customer retention is recorded as a ManualValue with metric key ``retention`` (customers kept ÷
customers at period start, a ratio from 0 to 1); availability and capacity headroom likewise
take ManualValues when monitoring data is imported rather than derived from incidents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Better(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class PeriodKind(models.TextChoices):
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Status(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    NO_DATA = "no_data", "No data"


def status_for(value: float | None, *, target: float, threshold: float, better: str) -> str:
    """The status of a value against a target and a warning threshold in the better direction.

    Higher is better: value ≥ target is on track, threshold ≤ value < target at risk, below the
    threshold off track. Lower is better mirrors it. No value is no data, never off track."""
    if value is None:
        return Status.NO_DATA
    if better == Better.LOWER:
        value, target, threshold = -value, -target, -threshold
    if value >= target:
        return Status.ON_TRACK
    if value >= threshold:
        return Status.AT_RISK
    return Status.OFF_TRACK


class KPI(models.Model):
    """A catalog metric an engagement agreed to watch, with a target and a warning threshold."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="kpis"
    )
    metric_key = models.CharField(max_length=80)
    name = models.CharField(max_length=200)
    target = models.FloatField()
    warning_threshold = models.FloatField()
    better = models.CharField(max_length=6, choices=Better.choices)
    period_kind = models.CharField(
        max_length=7, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    # Empty: everyone's work. Otherwise the catalog's affiliation filter (client, a vendor, mixed).
    affiliation = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["engagement", "name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["engagement", "name"], name="kpi_unique_name"),
            models.CheckConstraint(
                condition=(
                    models.Q(better="higher", warning_threshold__lte=models.F("target"))
                    | models.Q(better="lower", warning_threshold__gte=models.F("target"))
                ),
                name="kpi_threshold_beyond_target",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "active"])]

    def __str__(self) -> str:
        return self.name

    def audit_scope(self) -> tuple[models.Model, bool]:
        return self.engagement, True

    def status_of(self, value: float | None) -> str:
        """The status a value would have against this KPI's target and threshold."""
        return status_for(
            value, target=self.target, threshold=self.warning_threshold, better=self.better
        )


class Measurement(models.Model):
    """A KPI's value over one period, precomputed so dashboards read a few rows."""

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    # None means no data in the period, never zero.
    value = models.FloatField(null=True, blank=True)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.NO_DATA)
    evidence_count = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)
    inputs = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["kpi", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "period_start"], name="measurement_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="measurement_period_in_order",
            ),
        ]
        indexes = [models.Index(fields=["kpi", "status"])]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period_start:%Y-%m-%d}: {self.value}"


class DashboardRevision(models.Model):
    """A token that changes, in the same transaction, with every write that changes what an
    engagement's KPI dashboard shows (measurements, KPI definitions). Web processes cache the
    rendered dashboard keyed on it, so no process on any machine serves a stale one.

    A random token rather than a counter: an upsert sets it in one statement on SQLite and
    PostgreSQL, and two concurrent writers cannot both leave the same value behind."""

    engagement = models.OneToOneField(
        "engagements.Engagement", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.engagement_id}: {self.token}"


class ManualValue(models.Model):
    """A metric's value for a period entered or imported by hand, with who recorded it and when."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="manual_values"
    )
    metric_key = models.CharField(max_length=80)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    value = models.FloatField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["engagement", "metric_key", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "metric_key", "period_start", "period_end"],
                name="manualvalue_unique_period",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="manualvalue_period_in_order",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "metric_key", "period_start"])]

    def __str__(self) -> str:
        return f"{self.metric_key} {self.period_start:%Y-%m-%d}: {self.value}"

    def audit_scope(self) -> tuple[models.Model, bool]:
        return self.engagement, True


class SurveyKind(models.TextChoices):
    CSAT = "csat", "Customer satisfaction (1 to 5)"
    NPS = "nps", "Net promoter score (0 to 10)"


SCORE_RANGES: dict[str, tuple[int, int]] = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10)}


class SurveyResponse(models.Model):
    """One customer's answer to a CSAT (1 to 5) or NPS (0 to 10) question."""

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="survey_responses"
    )
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    score = models.SmallIntegerField()
    responded_at = models.DateTimeField()
    # Who answered, as the survey tool names them (an id or an email); may be empty if anonymous.
    respondent = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["engagement", "responded_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="csat", score__gte=1, score__lte=5)
                    | models.Q(kind="nps", score__gte=0, score__lte=10)
                ),
                name="surveyresponse_score_in_range",
            ),
            models.UniqueConstraint(
                fields=["engagement", "kind", "responded_at", "respondent"],
                name="surveyresponse_unique_answer",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "kind", "responded_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score}"

    def audit_scope(self) -> tuple[models.Model, bool]:
        return self.engagement, True
