"""Reads about vendors that the pages and the API share, each scoped by the access policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django_countries import countries

from accord.accounts import policy
from accord.accounts.policy import AnyUser
from accord.vendors.models import (
    EXPIRY_WARNING_DAYS,
    CaseStudy,
    Certification,
    DeliveryLocation,
    Vendor,
    VendorDocument,
)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class VendorFilters:
    """What the vendor list is narrowed by; empty strings mean "any"."""

    search: str = ""
    country: str = ""
    industry: str = ""
    capability: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> VendorFilters:
        """Read `q`, `country`, `industry` and `capability` from a query string."""

        def value(name: str, limit: int) -> str:
            return str(params.get(name) or "").strip()[:limit]

        return cls(
            search=value("q", 100),
            country=value("country", 2).upper(),
            industry=value("industry", 50),
            capability=value("capability", 50),
        )

    def as_query(self) -> str:
        """The filters as a query string (without the page), for pagination links."""
        pairs = {
            "q": self.search,
            "country": self.country,
            "industry": self.industry,
            "capability": self.capability,
        }
        return urlencode({k: v for k, v in pairs.items() if v})

    @property
    def active(self) -> bool:
        return any((self.search, self.country, self.industry, self.capability))


def filter_vendors(queryset: QuerySet[Vendor], filters: VendorFilters) -> QuerySet[Vendor]:
    """Narrow vendors by name, country (headquarters or a delivery location), industry and
    capability. Subqueries, not joins, so no vendor is listed twice."""
    if filters.search:
        queryset = queryset.filter(
            Q(name__icontains=filters.search) | Q(legal_name__icontains=filters.search)
        )
    if filters.country:
        delivers_there = DeliveryLocation.objects.filter(
            vendor=OuterRef("pk"), country=filters.country
        )
        queryset = queryset.filter(
            Q(headquarters_country=filters.country) | Q(Exists(delivers_there))
        )
    if filters.industry:
        serves = Vendor.industries.through.objects.filter(
            vendor=OuterRef("pk"), industry__slug=filters.industry
        )
        queryset = queryset.filter(Exists(serves))
    if filters.capability:
        offers = Vendor.capabilities.through.objects.filter(
            vendor=OuterRef("pk"), capability__slug=filters.capability
        )
        queryset = queryset.filter(Exists(offers))
    return queryset


def vendor_directory(
    user: AnyUser, filters: VendorFilters, *, today: dt.date | None = None
) -> QuerySet[Vendor]:
    """The vendors the user may see, filtered, with what the list shows: industries,
    capabilities, locations and certificate counts by standing (valid, expiring, expired; the
    rest of `certificate_count` is not yet valid)."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    started = Q(certifications__valid_from__isnull=True) | Q(certifications__valid_from__lte=today)
    return (
        filter_vendors(policy.visible_vendors(user), filters)
        .annotate(
            certificate_count=Count("certifications", distinct=True),
            expired_count=Count(
                "certifications",
                filter=Q(certifications__valid_until__lt=today),
                distinct=True,
            ),
            expiring_count=Count(
                "certifications",
                filter=started
                & Q(certifications__valid_until__gte=today, certifications__valid_until__lte=soon),
                distinct=True,
            ),
            valid_count=Count(
                "certifications",
                filter=started
                & (
                    Q(certifications__valid_until__isnull=True)
                    | Q(certifications__valid_until__gt=soon)
                ),
                distinct=True,
            ),
        )
        .prefetch_related("industries", "capabilities", "locations")
        .order_by("name")
    )


def vendor_profile(user: AnyUser) -> QuerySet[Vendor]:
    """Visible vendors with every section of the profile page loaded in a fixed few queries."""
    return policy.visible_vendors(user).prefetch_related(
        "industries",
        "capabilities",
        "locations",
        "certifications",
        Prefetch("case_studies", queryset=CaseStudy.objects.select_related("industry")),
        "references",
        "rate_card",
        Prefetch("documents", queryset=VendorDocument.objects.select_related("uploaded_by")),
    )


def visible_items(user: AnyUser, model: type[M]) -> QuerySet[M]:
    """Rows of one kind of vendor evidence that belong to vendors the user may see."""
    return model._default_manager.filter(vendor__in=policy.visible_vendors(user))


def visible_certifications(user: AnyUser) -> QuerySet[Certification]:
    """Certificates whose evidence the user may download."""
    return visible_items(user, Certification).select_related("vendor")


def visible_vendor_documents(user: AnyUser) -> QuerySet[VendorDocument]:
    """Process documents the user may download."""
    return visible_items(user, VendorDocument).select_related("vendor")


def country_choices(user: AnyUser) -> list[tuple[str, str]]:
    """Countries the visible vendors are headquartered or deliver in, by name."""
    vendors = policy.visible_vendors(user)
    headquarters = vendors.exclude(headquarters_country="")
    codes = set(headquarters.values_list("headquarters_country", flat=True))
    codes |= set(
        DeliveryLocation.objects.filter(vendor__in=vendors).values_list("country", flat=True)
    )
    return sorted(((str(code), countries.name(code)) for code in codes), key=lambda c: c[1])
