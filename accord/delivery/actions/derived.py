"""Facts derived when pull requests, reviews, deployments or incidents are written: a PR's first
review by someone else, and the deployment each incident is attributed to (DESIGN.md)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from accord.delivery.actions.records import chunks, touch_event_times
from accord.delivery.connectors.github.mapping import (
    ReviewFact,
    attributed_deployment,
    first_review_at,
)
from accord.delivery.models import Deployment, Incident, PullRequest, PullRequestReview


def derive_first_review_at(pull_request_ids: Iterable[int]) -> int:
    """Recompute first_review_at of these pull requests from their stored reviews, in bulk.

    Returns how many changed."""
    changed = 0
    for batch in chunks(sorted(set(pull_request_ids))):
        reviews: dict[int, list[ReviewFact]] = defaultdict(list)
        for pr_id, login, is_bot, state, submitted_at in PullRequestReview.objects.filter(
            pull_request_id__in=batch
        ).values_list("pull_request_id", "reviewer_login", "is_bot", "state", "submitted_at"):
            reviews[pr_id].append(ReviewFact(login, is_bot, state, submitted_at))
        dirty = []
        for pr in PullRequest.objects.filter(pk__in=batch).only(
            "id", "author_login", "created_at", "first_review_at"
        ):
            first = first_review_at(pr.author_login, reviews.get(pr.pk, []))
            if first != pr.first_review_at:
                touch_event_times(pr.created_at, pr.first_review_at, first, model=PullRequest)
                pr.first_review_at = first
                dirty.append(pr)
        PullRequest.objects.bulk_update(dirty, ["first_review_at"], batch_size=1000)
        changed += len(dirty)
    return changed


def attribute_incidents(*, engagement_id: int) -> int:
    """Link each incident of the engagement to the latest successful production deployment at
    or before its start (any data source of the engagement); returns how many links changed.

    Recomputed over the whole engagement, so a deployment imported after its incident still
    gets it, and the result does not depend on the order data arrived in."""
    deployments: list[tuple[dt.datetime, int]] = []
    for pk, finished, started in Deployment.objects.filter(
        data_source__engagement_id=engagement_id, is_production=True, status="success"
    ).values_list("id", "finished_at", "started_at"):
        when = finished or started
        if when is not None:
            deployments.append((when, pk))
    deployments.sort()
    time_of = {pk: when for when, pk in deployments}
    dirty = []
    for incident in Incident.objects.filter(data_source__engagement_id=engagement_id).only(
        "id", "started_at", "deployment_id"
    ):
        deployment_id = attributed_deployment(incident.started_at, deployments)
        if deployment_id != incident.deployment_id:
            # Both deployments' change failure rates change, and the incident's period.
            touch_event_times(
                incident.started_at,
                time_of.get(incident.deployment_id or 0),
                time_of.get(deployment_id or 0),
                model=Incident,
            )
            incident.deployment_id = deployment_id
            dirty.append(incident)
    Incident.objects.bulk_update(dirty, ["deployment"], batch_size=1000)
    return len(dirty)
