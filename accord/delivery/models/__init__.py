"""The normalized delivery model: data sources, their runs, and the records pulled from them."""

from accord.delivery.models.people import Affiliation, AffiliationRule, Person, PersonIdentity
from accord.delivery.models.records import (
    Commit,
    Deployment,
    Incident,
    PullRequest,
    PullRequestReview,
    Sprint,
    SprintMembership,
    StatusChange,
    WorkItem,
)
from accord.delivery.models.sources import (
    Category,
    DataSource,
    SourceKind,
    SourceStatus,
    SyncRun,
    SyncRunStatus,
    WebhookDelivery,
)

__all__ = [
    "Affiliation",
    "AffiliationRule",
    "Category",
    "Commit",
    "DataSource",
    "Deployment",
    "Incident",
    "Person",
    "PersonIdentity",
    "PullRequest",
    "PullRequestReview",
    "SourceKind",
    "SourceStatus",
    "Sprint",
    "SprintMembership",
    "StatusChange",
    "SyncRun",
    "SyncRunStatus",
    "WebhookDelivery",
    "WorkItem",
]
