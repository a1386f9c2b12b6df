"""One person across sources: accounts matched by email, affiliated by email-domain rules."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from accord.delivery.models import Affiliation, AffiliationRule, Person, PersonIdentity


@dataclass(frozen=True)
class Account:
    """An account as a source names it."""

    external_id: str
    name: str = ""
    email: str = ""
    is_bot: bool = False


def is_bot_login(login: str, user_type: str = "") -> bool:
    """GitHub's rule: the account type says Bot, or the login ends in [bot]."""
    return user_type == "Bot" or login.endswith("[bot]")


def resolve_accounts(source_kind: str, accounts: Iterable[Account]) -> dict[str, int]:
    """Map each account to a Person id, creating people and identities as needed, in bulk.

    An account already known keeps its person; a new account with an email joins the person
    who has that email (in any tool); otherwise it becomes a new person. New people are
    affiliated by the email-domain rules.
    """
    wanted = {a.external_id: a for a in accounts if a.external_id}
    if not wanted:
        return {}
    known = dict(
        PersonIdentity.objects.filter(
            source_kind=source_kind, external_id__in=list(wanted)
        ).values_list("external_id", "person_id")
    )
    missing = [a for key, a in wanted.items() if key not in known]
    if missing:
        emails = {a.email.lower() for a in missing if a.email}
        by_email: dict[str, int] = {}
        for person_id, email in Person.objects.filter(email__in=emails).values_list("id", "email"):
            by_email.setdefault(email.lower(), person_id)
        new_people = {}
        for account in missing:
            email = account.email.lower()
            if email and email in by_email:
                continue
            key = email or f"{source_kind}:{account.external_id}"
            if key not in new_people:
                new_people[key] = Person(
                    display_name=account.name or account.external_id, email=email
                )
        Person.objects.bulk_create(list(new_people.values()))
        created = {k: p.pk for k, p in new_people.items()}
        if any(pk is None for pk in created.values()):  # backends without RETURNING
            created = {
                k: Person.objects.filter(email=p.email, display_name=p.display_name).latest("id").pk
                for k, p in new_people.items()
            }
        by_email.update({k: v for k, v in created.items() if "@" in k})
        identities = []
        for account in missing:
            email = account.email.lower()
            person_id = (
                by_email[email] if email else created[f"{source_kind}:{account.external_id}"]
            )
            known[account.external_id] = person_id
            identities.append(
                PersonIdentity(
                    person_id=person_id,
                    source_kind=source_kind,
                    external_id=account.external_id,
                    name=account.name,
                    email=account.email,
                    is_bot=account.is_bot,
                )
            )
        PersonIdentity.objects.bulk_create(identities, ignore_conflicts=True)
        affiliate_by_rules(list(created.values()))
    return {key: known[key] for key in wanted}


def affiliate_by_rules(person_ids: list[int]) -> int:
    """Give people without any affiliation the organization their email domain points to."""
    rules = dict(AffiliationRule.objects.values_list("domain", "organization_id"))
    if not rules or not person_ids:
        return 0
    affiliated = set(
        Affiliation.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    new = []
    for person_id, email in Person.objects.filter(pk__in=person_ids).values_list("id", "email"):
        domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
        if person_id not in affiliated and domain in rules:
            new.append(
                Affiliation(person_id=person_id, organization_id=rules[domain], set_by_rule=True)
            )
    Affiliation.objects.bulk_create(new)
    return len(new)
