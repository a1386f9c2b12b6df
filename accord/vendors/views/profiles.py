"""The vendor list, the vendor profile, and creating, editing and deleting a vendor."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.lib.forms import apply_validation_error
from accord.vendors import actions, queries
from accord.vendors.forms import VendorForm
from accord.vendors.models import Capability, DeliveryLocation, Industry, ReferenceKind, Vendor
from accord.vendors.views.common import acting_user, visible_vendor

PAGE_SIZE = 25


@login_required
@require_safe
def vendor_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.VIEW_VENDOR)
    filters = queries.VendorFilters.from_params(request.GET)
    vendors = queries.vendor_directory(request.user, filters)
    page = Paginator(vendors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "vendors/vendor_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "query": filters.as_query(),
            "countries": queries.country_choices(request.user),
            "industries": Industry.objects.all(),
            "capabilities": Capability.objects.all(),
        },
    )


@dataclass(frozen=True)
class LocationRow:
    """A delivery location as the profile shows it: its local time and hours in the reader's."""

    location: DeliveryLocation
    local_now: dt.datetime
    working_now: bool
    your_start: dt.datetime
    your_end: dt.datetime


def _reader_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    name = getattr(request.user, "time_zone", "") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@login_required
@require_safe
def vendor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    vendor = get_object_or_404(queries.vendor_profile(request.user), slug=slug)
    policy.require(request.user, policy.Perm.VIEW_VENDOR, vendor)
    now = timezone.now()
    zone = _reader_zone(request)
    rows = []
    for location in vendor.locations.all():
        start, end = location.hours_in(zone, location.local_time(now).date())
        rows.append(
            LocationRow(
                location=location,
                local_now=location.local_time(now),
                working_now=location.is_working_at(now),
                your_start=start,
                your_end=end,
            )
        )
    references = list(vendor.references.all())
    context: dict[str, Any] = {
        "vendor": vendor,
        "location_rows": rows,
        "reader_zone": str(zone),
        "client_references": [r for r in references if r.kind == ReferenceKind.REFERENCE],
        "testimonials": [r for r in references if r.kind == ReferenceKind.TESTIMONIAL],
        "may_change": policy.can(request.user, policy.Perm.CHANGE_VENDOR, vendor),
        "may_delete": policy.can(request.user, policy.Perm.DELETE_VENDOR, vendor),
    }
    return render(request, "vendors/vendor_detail.html", context)


@login_required
def vendor_add(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.ADD_VENDOR)
    form = VendorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vendor = actions.create_vendor(actor=acting_user(request), **form.action_fields())
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{vendor.name} was added.")
            return redirect("vendors:detail", slug=vendor.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "vendors/vendor_form.html", {"form": form}, status=status)


@login_required
def vendor_edit(request: HttpRequest, slug: str) -> HttpResponse:
    vendor = visible_vendor(request, slug)
    policy.require(request.user, policy.Perm.CHANGE_VENDOR, vendor)
    form = VendorForm(request.POST or None, instance=vendor)
    if request.method == "POST" and form.is_valid():
        try:
            vendor = actions.update_vendor(
                actor=acting_user(request), vendor=vendor, **form.action_fields()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"{vendor.name} was updated.")
            return redirect("vendors:detail", slug=vendor.slug)
    # The form changed the instance in memory while validating; show what is stored.
    stored = Vendor.objects.get(pk=vendor.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "vendors/vendor_form.html", {"form": form, "vendor": stored}, status=status
    )


@login_required
@require_POST
def vendor_delete(request: HttpRequest, slug: str) -> HttpResponse:
    vendor = visible_vendor(request, slug)
    policy.require(request.user, policy.Perm.DELETE_VENDOR, vendor)
    try:
        actions.delete_vendor(actor=acting_user(request), vendor=vendor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("vendors:detail", slug=vendor.slug)
    messages.success(request, f"{vendor.name} was deleted.")
    return redirect("vendors:list")
