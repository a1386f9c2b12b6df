"""Background entry points of the metrics app."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

logger = logging.getLogger(__name__)


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@task()
def recompute_kpis_task(
    engagement_id: int,
    since: str | None = None,
    until: str | None = None,
    kpi_ids: list[int] | None = None,
    needs: list[str] | None = None,
) -> int:
    """Recompute an engagement's KPI measurements over [since, until) (ISO 8601; empty: all),
    only those KPIs when `kpi_ids`, only those reading one of `needs` record sets when given."""
    from accord.engagements.models import Engagement
    from accord.metrics.actions.recompute import recompute_engagement

    if not Engagement.objects.filter(pk=engagement_id).exists():
        logger.info("metrics.recompute.gone", extra={"engagement_id": engagement_id})
        return 0
    return recompute_engagement(
        engagement_id, since=_moment(since), until=_moment(until), kpi_ids=kpi_ids, needs=needs
    )
