"""/api/v1/engagements/<slug>/export/<kind>.<csv|json>: an engagement's records, streamed, with
the filters of the list of the same kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accord.delivery import exports
from accord.delivery.api.common import ERROR
from accord.delivery.api.records import (
    DEPLOYMENT_PARAMETERS,
    PULL_REQUEST_PARAMETERS,
    WORK_ITEM_PARAMETERS,
    deployment_filters,
    pull_request_filters,
    work_item_filters,
)

# Each kind reads the query string as its list does (/api/v1/work-items/ and so on).
FILTERS: dict[str, Callable[[Any], exports.Filters]] = {
    "work-items": work_item_filters,
    "pull-requests": pull_request_filters,
    "deployments": deployment_filters,
}
# One parameter per name: `source` is every kind's, the others one kind's.
FILTER_PARAMETERS = list(
    {
        p.name: p for p in (*WORK_ITEM_PARAMETERS, *PULL_REQUEST_PARAMETERS, *DEPLOYMENT_PARAMETERS)
    }.values()
)


class ExportView(APIView):
    """Every work item, pull request or deployment of one engagement the caller may see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="engagement_export",
        summary="Export an engagement's work items, pull requests or deployments",
        description=(
            "One row per record, streamed. CSV has a header row; JSON is an array of objects "
            "with the same keys. Times are ISO 8601 in UTC, durations hours as decimals, and "
            "a value a record lacks is empty (CSV) or null (JSON). The rows are those the list "
            "of the same kind gives with the same filters (work-items: source, category, type, "
            "assignee, search, done_from, done_to; pull-requests: source, repo, author, state, "
            "merged_from, merged_to; deployments: source, environment, production); a filter "
            "of another kind is ignored.\n\n"
            + "\n".join(
                f"- **{name}**: {', '.join(e.columns)}" for name, e in exports.EXPORTS.items()
            )
        ),
        parameters=[
            OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH),
            OpenApiParameter(
                "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(exports.EXPORTS)
            ),
            OpenApiParameter(
                "fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(exports.FORMATS)
            ),
            *FILTER_PARAMETERS,
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV rows."),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.ANY, description="A JSON array of rows."
            ),
            (400, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A malformed filter, named with the fix."
            ),
            (404, "application/json"): ERROR,
        },
    )
    def get(self, request: Request, slug: str, kind: str, fmt: str) -> StreamingHttpResponse:
        if kind not in exports.EXPORTS or fmt not in exports.FORMATS:
            raise Http404("No such export; use work-items, pull-requests or deployments.")
        engagement = exports.engagement_to_export(request.user, slug)
        filters = FILTERS[kind](request.query_params)
        return exports.response(kind, fmt, engagement, request.user, filters)
