"""Affiliation: who a record's person worked for at the time of the work (the client or one
vendor), and the filter the catalog's `affiliation` argument names."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from accord.accounts.models import Organization, OrganizationKind
from accord.delivery.models import Affiliation
from accord.metrics.catalog.base import DAY

UNKNOWN_ORG = 0
MIXED_ORG = -1


class BadAffiliation(ValueError):
    """An affiliation filter that names nothing we know."""


@dataclass(frozen=True)
class AffiliationFilter:
    """Which records to keep: everyone (None), the client, one vendor organization, or mixed."""

    raw: str | None
    organization_id: int | None = None
    client: bool = False
    mixed: bool = False

    @classmethod
    def parse(cls, value: str | None) -> AffiliationFilter:
        """Read "client", "vendor:<organization id>", "mixed" or None; refuse anything else."""
        if value in (None, ""):
            return cls(raw=None)
        if value == "client":
            return cls(raw=value, client=True)
        if value == "mixed":
            return cls(raw=value, mixed=True)
        match = re.fullmatch(r"vendor:(\d+)", value or "")
        if match is None:
            raise BadAffiliation(
                f"“{value}” is not an affiliation; use client, mixed or vendor:<organization id>."
            )
        org_id = int(match.group(1))
        if not Organization.objects.filter(pk=org_id, kind=OrganizationKind.VENDOR).exists():
            raise BadAffiliation(f"There is no vendor organization with id {org_id}.")
        return cls(raw=value, organization_id=org_id)

    def keep(self, orgs: np.ndarray, client_ids: np.ndarray) -> np.ndarray:
        """Mask of the records whose affiliation code matches."""
        if self.raw is None:
            return np.ones(len(orgs), dtype=bool)
        if self.client:
            return np.isin(orgs, client_ids)
        if self.mixed:
            return orgs == MIXED_ORG
        return orgs == self.organization_id


def organizations_at(persons: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Per record: the organization id its person worked for at its time (0 when unknown).

    Affiliation spans are dates, inclusive at both ends, read as whole UTC days."""
    orgs = np.zeros(len(persons), dtype=np.int64)
    if len(persons) == 0:
        return orgs
    wanted = np.unique(persons[persons > 0])
    if len(wanted) == 0:
        return orgs
    order = np.argsort(persons, kind="stable")
    sorted_persons = persons[order]
    rows = Affiliation.objects.filter(person_id__in=wanted.tolist()).values_list(
        "person_id", "organization_id", "valid_from", "valid_until"
    )

    for person_id, org_id, valid_from, valid_until in rows:
        lo = np.searchsorted(sorted_persons, person_id, side="left")
        hi = np.searchsorted(sorted_persons, person_id, side="right")
        if lo == hi:
            continue
        idx = order[lo:hi]
        t = times[idx]
        ok = ~np.isnan(t)
        if valid_from is not None:
            start = dt.datetime.combine(valid_from, dt.time(), dt.UTC).timestamp()
            ok &= t >= start
        if valid_until is not None:
            end = dt.datetime.combine(valid_until, dt.time(), dt.UTC).timestamp() + DAY
            ok &= t < end
        orgs[idx[ok]] = org_id
    return orgs


def client_organization_ids() -> np.ndarray:
    return np.array(
        list(
            Organization.objects.filter(kind=OrganizationKind.CLIENT).values_list("id", flat=True)
        ),
        dtype=np.int64,
    )
