"""Every write of the metrics app, split by subject."""

from accord.metrics.actions.kpis import deactivate_kpi, define_kpi, edit_kpi
from accord.metrics.actions.recompute import recompute_engagement
from accord.metrics.actions.values import (
    import_kpi_values,
    import_survey_responses,
    record_manual_value,
)

__all__ = [
    "deactivate_kpi",
    "define_kpi",
    "edit_kpi",
    "import_kpi_values",
    "import_survey_responses",
    "recompute_engagement",
    "record_manual_value",
]
