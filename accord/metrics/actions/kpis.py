"""Defining, editing and deactivating KPIs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accord.audit.actions import create_audited, update_audited
from accord.metrics.actions.revision import touch_dashboard
from accord.metrics.models import KPI, Better, Measurement, PeriodKind, status_for

if TYPE_CHECKING:
    from accord.accounts.models import User
    from accord.engagements.models import Engagement

# Changing one of these changes what is measured, so the stored measurements are recomputed;
# changing the target, threshold or direction only changes their status.
_MEASURED = ("metric_key", "period_kind", "affiliation")
_JUDGED = ("target", "warning_threshold", "better")


def metric_for(key: str) -> Any:
    """The catalog metric with this key, or a ValidationError naming the known keys' source."""
    from accord.metrics.catalog import CATALOG

    metric = CATALOG.get(key)
    if metric is None:
        raise ValidationError(
            {"metric_key": f"There is no metric “{key}”; `accord metrics --help` lists them."}
        )
    return metric


def check_thresholds(*, target: float, warning_threshold: float, better: str) -> None:
    """The warning threshold must lie on the worse side of the target (or equal it)."""
    if better == Better.HIGHER and warning_threshold > target:
        raise ValidationError(
            {
                "warning_threshold": f"Higher is better, so the warning threshold "
                f"({warning_threshold:g}) must not be above the target ({target:g})."
            }
        )
    if better == Better.LOWER and warning_threshold < target:
        raise ValidationError(
            {
                "warning_threshold": f"Lower is better, so the warning threshold "
                f"({warning_threshold:g}) must not be below the target ({target:g})."
            }
        )


def _check_period_and_affiliation(metric: Any, *, period_kind: str, affiliation: str) -> None:
    from accord.metrics.catalog import BadAffiliation
    from accord.metrics.catalog.inputs import AffiliationFilter

    if period_kind not in PeriodKind.values:
        raise ValidationError({"period_kind": "The period must be week, month or quarter."})
    try:
        AffiliationFilter.parse(affiliation or None)
    except BadAffiliation as exc:
        raise ValidationError({"affiliation": str(exc)}) from None
    if affiliation and not metric.splittable:
        raise ValidationError(
            {"affiliation": f"“{metric.label}” cannot be split by affiliation; leave it empty."}
        )


def _recompute_after_commit(kpi: KPI) -> None:
    from accord.metrics.tasks import recompute_kpis_task

    engagement_id, kpi_id = kpi.engagement_id, kpi.pk
    transaction.on_commit(lambda: recompute_kpis_task.enqueue(engagement_id, None, None, [kpi_id]))


@transaction.atomic
def define_kpi(
    *,
    actor: User | None,
    engagement: Engagement,
    metric_key: str,
    target: float,
    warning_threshold: float,
    name: str = "",
    better: str = "",
    period_kind: str = PeriodKind.MONTH,
    affiliation: str = "",
) -> KPI:
    """Make a catalog metric a KPI of the engagement and queue the computation of its history."""
    metric = metric_for(metric_key)
    better = better or metric.better
    check_thresholds(target=target, warning_threshold=warning_threshold, better=better)
    _check_period_and_affiliation(metric, period_kind=period_kind, affiliation=affiliation)
    name = (name or metric.label).strip()
    if engagement.kpis.filter(name=name).exists():
        raise ValidationError({"name": f"{engagement} already has a KPI named “{name}”."})
    kpi = create_audited(
        actor=actor,
        instance=KPI(
            engagement=engagement,
            metric_key=metric_key,
            name=name,
            target=target,
            warning_threshold=warning_threshold,
            better=better,
            period_kind=period_kind,
            affiliation=affiliation,
            created_by=actor,
        ),
    )
    _recompute_after_commit(kpi)
    touch_dashboard(engagement.pk)
    return kpi


@transaction.atomic
def edit_kpi(*, actor: User | None, kpi: KPI, **fields: Any) -> KPI:
    """Change a KPI; a new target only re-judges its measurements, a new metric recomputes them."""
    unknown = set(fields) - {"name", "active", *_MEASURED, *_JUDGED}
    if unknown:
        raise ValidationError(f"A KPI has no field {', '.join(sorted(unknown))} to change.")
    merged = {name: fields.get(name, getattr(kpi, name)) for name in (*_MEASURED, *_JUDGED)}
    metric = metric_for(merged["metric_key"])
    check_thresholds(
        target=merged["target"],
        warning_threshold=merged["warning_threshold"],
        better=merged["better"],
    )
    _check_period_and_affiliation(
        metric, period_kind=merged["period_kind"], affiliation=merged["affiliation"]
    )
    name = fields.get("name")
    if name is not None and kpi.engagement.kpis.exclude(pk=kpi.pk).filter(name=name).exists():
        raise ValidationError({"name": f"{kpi.engagement} already has a KPI named “{name}”."})
    measured = any(fields.get(f, getattr(kpi, f)) != getattr(kpi, f) for f in _MEASURED)
    judged = any(fields.get(f, getattr(kpi, f)) != getattr(kpi, f) for f in _JUDGED)
    kpi = update_audited(actor=actor, instance=kpi, fields=fields)
    if measured:
        kpi.measurements.all().delete()
        _recompute_after_commit(kpi)
    elif judged:
        restatus_measurements(kpi)
    if fields.get("active") and not measured:
        _recompute_after_commit(kpi)  # catch up on the periods it missed while inactive
    touch_dashboard(kpi.engagement_id)
    return kpi


def deactivate_kpi(*, actor: User | None, kpi: KPI) -> KPI:
    """Stop measuring a KPI; its measurements stay for the record."""
    return edit_kpi(actor=actor, kpi=kpi, active=False)


def restatus_measurements(kpi: KPI) -> int:
    """Re-judge a KPI's stored measurements against its current target, in bulk."""
    changed = []
    for measurement in kpi.measurements.only("id", "value", "status"):
        status = status_for(
            measurement.value,
            target=kpi.target,
            threshold=kpi.warning_threshold,
            better=kpi.better,
        )
        if status != measurement.status:
            measurement.status = status
            changed.append(measurement)
    Measurement.objects.bulk_update(changed, ["status"], batch_size=1000)
    return len(changed)
