"""Engagement pages: list and detail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accord.accounts import policy


@login_required
def engagement_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.VIEW_ENGAGEMENT)
    engagements = policy.visible_engagements(request.user).select_related("vendor")
    page = Paginator(engagements, 25).get_page(request.GET.get("page"))
    return render(request, "engagements/engagement_list.html", {"page_obj": page})


@login_required
def engagement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = get_object_or_404(policy.visible_engagements(request.user).select_related("vendor"), slug=slug)
    return render(
        request,
        "engagements/engagement_detail.html",
        {"engagement": engagement, "notes": policy.visible_notes(request.user, engagement)},
    )
