"""Background work for partner selection: the scheduled refresh of time-driven red flags."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def schedule_flag_refreshes_task() -> None:
    """Queue the red-flag refreshes that are due (the worker's scheduler calls this each minute)."""
    from accord.selection.actions import schedule_flag_refreshes

    schedule_flag_refreshes()


@task()
def refresh_red_flags_task(evaluation_id: int, as_of: str | None = None) -> int | None:
    """Refresh an evaluation's red flags as of `as_of` (ISO 8601; empty: now); the number of
    flags, or None when it was decided or deleted meanwhile (a decision keeps its flags)."""
    from django.db import transaction

    from accord.selection.actions import refresh_red_flags
    from accord.selection.models import Evaluation, EvaluationStatus

    with transaction.atomic():
        # Locked so that a decision recorded meanwhile waits for, or is seen by, this refresh.
        evaluation = (
            Evaluation.objects.select_for_update()
            .exclude(status=EvaluationStatus.DECIDED)
            .filter(pk=evaluation_id)
            .first()
        )
        if evaluation is None:
            logger.info("selection.flags.refresh_skipped", extra={"evaluation_id": evaluation_id})
            return None
        now = dt.datetime.fromisoformat(as_of) if as_of else None
        flags = refresh_red_flags(evaluation=evaluation, now=now)
    logger.info(
        "selection.flags.refreshed", extra={"evaluation_id": evaluation_id, "flags": len(flags)}
    )
    return len(flags)
