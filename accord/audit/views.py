"""The audit log page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts import policy
from accord.audit.presenters import present_events


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    policy.require(request.user, policy.Perm.VIEW_AUDIT)
    events = policy.visible_audit_events(request.user).select_related("actor", "engagement")
    object_type = request.GET.get("type", "")
    if object_type:
        events = events.filter(object_type=object_type)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    types = (
        policy.visible_audit_events(request.user)
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )
    return render(
        request,
        "audit/event_list.html",
        {
            "page_obj": page,
            "events": present_events(page.object_list, user=request.user),
            "types": types,
            "selected_type": object_type,
            "query": f"type={object_type}" if object_type else "",
        },
    )
