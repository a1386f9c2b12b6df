"""People across sources and their affiliation over time (the client or one vendor)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Person(models.Model):
    """One human, however many accounts they have in Jira, GitHub, Trello or git."""

    display_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class PersonIdentity(models.Model):
    """An account of a person in one kind of tool (Jira account id, GitHub login, git email)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    source_kind = models.CharField(max_length=10)
    external_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    is_bot = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "external_id"], name="personidentity_unique_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_kind}:{self.external_id}"


class AffiliationRule(models.Model):
    """People with an email at `domain` belong to `organization` (unless set by hand)."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="affiliation_rules"
    )
    domain = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return f"@{self.domain} → {self.organization}"


class Affiliation(models.Model):
    """Who a person worked for over a span of time; open-ended when `valid_until` is empty."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="affiliations"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    set_by_rule = models.BooleanField(default=False)

    class Meta:
        ordering = ["person", "valid_from"]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organization}"
