"""Marking an engagement's KPI dashboard as changed (see DashboardRevision)."""

from __future__ import annotations

import secrets

from accord.metrics.models import DashboardRevision


def touch_dashboard(engagement_id: int) -> None:
    """Give the engagement's dashboard a new revision token; call it inside the transaction
    that writes measurements or KPIs, so the token and the data commit together."""
    DashboardRevision.objects.bulk_create(
        [DashboardRevision(engagement_id=engagement_id, token=secrets.token_hex(16))],
        update_conflicts=True,
        unique_fields=["engagement"],
        update_fields=["token"],
    )
