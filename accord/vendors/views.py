"""Vendor pages: list and profile."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accord.accounts import policy


@login_required
def vendor_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.VIEW_VENDOR)
    vendors = policy.visible_vendors(request.user).prefetch_related("industries", "locations")
    page = Paginator(vendors, 25).get_page(request.GET.get("page"))
    return render(request, "vendors/vendor_list.html", {"page_obj": page})


@login_required
def vendor_detail(request: HttpRequest, slug: str) -> HttpResponse:
    vendor = get_object_or_404(policy.visible_vendors(request.user), slug=slug)
    policy.require(request.user, policy.Perm.VIEW_VENDOR, vendor)
    return render(request, "vendors/vendor_detail.html", {"vendor": vendor})
