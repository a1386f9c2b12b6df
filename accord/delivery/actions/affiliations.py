"""Who each person works for: email-domain rules per organization, and dated affiliations a
manager sets by hand (someone moves from a vendor to the client)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.accounts.models import Organization, User
from accord.audit.actions import create_audited, delete_audited, update_audited
from accord.delivery.actions.people import affiliate_by_rules
from accord.delivery.models import Affiliation, AffiliationRule, Person

_DOMAIN = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_domain(value: str) -> str:
    """A domain as rules store it: lower case, without a leading @ or surrounding spaces."""
    return value.strip().lstrip("@").strip().lower().rstrip(".")


@transaction.atomic
def add_affiliation_rule(
    *, actor: User, organization: Organization, domain: str
) -> AffiliationRule:
    """Say that people with an email at `domain` work for `organization`; people already seen
    with that domain and no affiliation get it at once."""
    domain = normalize_domain(domain)
    if not _DOMAIN.match(domain):
        raise ValidationError(
            {"domain": f"“{domain}” is not an email domain; write it like example.com."}
        )
    existing = AffiliationRule.objects.filter(domain=domain).select_related("organization").first()
    if existing is not None:
        raise ValidationError(
            {
                "domain": f"@{domain} already belongs to {existing.organization}; remove that rule "
                "first."
            }
        )
    rule = create_audited(
        actor=actor, instance=AffiliationRule(organization=organization, domain=domain)
    )
    people = Person.objects.filter(email__iendswith=f"@{domain}").values_list("id", flat=True)
    affiliate_by_rules(list(people))
    return rule


@transaction.atomic
def delete_affiliation_rule(*, actor: User, rule: AffiliationRule) -> int:
    """Remove a rule and the affiliations it set (affiliations set by hand stay); returns how
    many affiliations went with it."""
    made_by_rule = Affiliation.objects.filter(
        set_by_rule=True,
        organization=rule.organization,
        person__email__iendswith=f"@{rule.domain}",
    )
    removed = made_by_rule.count()
    made_by_rule.delete()
    delete_audited(actor=actor, instance=rule)
    return removed


def _check_span(
    *,
    person: Person,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
    exclude: int | None = None,
) -> None:
    """Refuse an end before the start, and a span overlapping another of the person's."""
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": "The end date is before the start date."})
    lowest, highest = dt.date.min, dt.date.max
    others = person.affiliations.select_related("organization")
    if exclude is not None:
        others = others.exclude(pk=exclude)
    for other in others:
        if (valid_from or lowest) <= (other.valid_until or highest) and (
            other.valid_from or lowest
        ) <= (valid_until or highest):
            start = other.valid_from.isoformat() if other.valid_from else "the beginning"
            end = other.valid_until.isoformat() if other.valid_until else "now"
            raise ValidationError(
                f"{person} already works for {other.organization} from {start} to {end}; "
                "end that affiliation first (a person works for one organization at a time)."
            )


@transaction.atomic
def add_affiliation(
    *,
    actor: User,
    person: Person,
    organization: Organization,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Affiliation:
    """Record that a person worked for an organization over a span of days (open-ended when a
    date is empty)."""
    _check_span(person=person, valid_from=valid_from, valid_until=valid_until)
    return create_audited(
        actor=actor,
        instance=Affiliation(
            person=person,
            organization=organization,
            valid_from=valid_from,
            valid_until=valid_until,
            set_by_rule=False,
        ),
    )


@transaction.atomic
def update_affiliation(
    *,
    actor: User,
    affiliation: Affiliation,
    organization: Organization,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
) -> Affiliation:
    """Change an affiliation's organization or dates; it is then kept as set by hand."""
    _check_span(
        person=affiliation.person,
        valid_from=valid_from,
        valid_until=valid_until,
        exclude=affiliation.pk,
    )
    return update_audited(
        actor=actor,
        instance=affiliation,
        fields={
            "organization": organization,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "set_by_rule": False,
        },
    )


@transaction.atomic
def delete_affiliation(*, actor: User, affiliation: Affiliation) -> None:
    """Remove one affiliation of a person."""
    delete_audited(actor=actor, instance=affiliation)
