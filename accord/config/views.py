"""The dashboard and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from accord.accounts import policy
from accord.audit.presenters import present_events
from accord.engagements.models import EngagementStatus


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Engagements and vendors at a glance, limited to what the user may see."""
    engagements = policy.visible_engagements(request.user).select_related("vendor")
    vendors = policy.visible_vendors(request.user)
    counts = engagements.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=EngagementStatus.ACTIVE)),
        proposed=Count("id", filter=Q(status=EngagementStatus.PROPOSED)),
        paused=Count("id", filter=Q(status=EngagementStatus.PAUSED)),
    )
    vendor_rows = vendors.annotate(
        engagement_count=Count("engagements", distinct=True),
        active_count=Count(
            "engagements", filter=Q(engagements__status=EngagementStatus.ACTIVE), distinct=True
        ),
        location_count=Count("locations", distinct=True),
    ).order_by("name")
    recent = present_events(policy.visible_audit_events(request.user)[:8], user=request.user)
    return render(
        request,
        "dashboard.html",
        {
            "counts": counts,
            "vendor_count": vendors.count(),
            "engagements": engagements.exclude(status=EngagementStatus.ENDED).order_by(
                "status", "name"
            )[:12],
            "vendors": vendor_rows[:12],
            "recent_events": recent,
        },
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"status": "ok", "database": true} when the database answers; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = True
    except Exception:
        database = False
    return JsonResponse(
        {"status": "ok" if database else "unavailable", "database": database},
        status=200 if database else 503,
    )
