"""/api/v1/ delivery endpoints: data sources (credentials write-only), their runs, imports and
syncs, and the normalized records, all under the access policy.

Vendor users read the sources and records of their own vendor's engagements; credentials,
account names and webhook secrets are only ever returned to those who manage delivery data.
"""

from accord.delivery.api.records import (
    DeploymentViewSet,
    IncidentViewSet,
    PullRequestViewSet,
    WorkItemViewSet,
)
from accord.delivery.api.sources import DataSourceViewSet, SyncRunViewSet

__all__ = [
    "DataSourceViewSet",
    "DeploymentViewSet",
    "IncidentViewSet",
    "PullRequestViewSet",
    "SyncRunViewSet",
    "WorkItemViewSet",
]
