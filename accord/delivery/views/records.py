"""Browsable delivery records of one engagement: work items, pull requests, deployments,
incidents and commits, filtered and paginated, each linking back to where it came from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.delivery import exports, forms, queries
from accord.delivery.views.common import kept_query
from accord.engagements.models import Engagement
from accord.engagements.queries import engagement_for

PAGE_SIZE = 50
# The record lists that have a download (accord.delivery.exports), by tab.
EXPORT_KINDS: dict[str, str] = {
    "delivery:work_items": "work-items",
    "delivery:pull_requests": "pull-requests",
    "delivery:deployments": "deployments",
}

# (url name, label) of each record list, for the tabs every list page shows.
TABS = [
    ("delivery:work_items", "Work items"),
    ("delivery:pull_requests", "Pull requests"),
    ("delivery:deployments", "Deployments"),
    ("delivery:incidents", "Incidents"),
    ("delivery:commits", "Commits"),
]


def _render_list(
    request: HttpRequest,
    engagement: Engagement,
    *,
    tab: str,
    template: str,
    form: forms.RecordFilterForm,
    rows: Callable[[dict[str, Any]], QuerySet[Any]],
) -> HttpResponse:
    filters = form.values()
    page = Paginator(rows(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {
            "engagement": engagement,
            "filter_form": form,
            "filtered": bool(filters),
            "page_obj": page,
            "query": kept_query(request, list(form.fields)),
            "tabs": TABS,
            "tab": tab,
            "export_kind": EXPORT_KINDS.get(tab, ""),
        },
    )


def _engagement(request: HttpRequest, slug: str) -> tuple[Engagement, list[Any]]:
    engagement = engagement_for(request.user, slug)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, engagement)
    sources = policy.visible_data_sources(request.user).filter(engagement=engagement)
    return engagement, list(sources.only("id", "name").order_by("name", "id"))


def _work_item_form(
    request: HttpRequest, engagement: Engagement, sources: list[Any]
) -> forms.WorkItemFilterForm:
    return forms.WorkItemFilterForm(
        request.GET or None,
        sources=sources,
        types=queries.item_types(engagement),
        people=queries.assignees(engagement),
    )


def _pull_request_form(
    request: HttpRequest, engagement: Engagement, sources: list[Any]
) -> forms.PullRequestFilterForm:
    return forms.PullRequestFilterForm(
        request.GET or None, sources=sources, repos=queries.repos(engagement)
    )


def _deployment_form(
    request: HttpRequest, engagement: Engagement, sources: list[Any]
) -> forms.DeploymentFilterForm:
    return forms.DeploymentFilterForm(
        request.GET or None, sources=sources, environments=queries.environments(engagement)
    )


# The filter form of each list that has a download, by export kind: the download reads the
# page's filters with the same form, so it holds the rows the page shows.
EXPORT_FORMS: dict[str, Callable[[HttpRequest, Engagement, list[Any]], forms.RecordFilterForm]] = {
    "work-items": _work_item_form,
    "pull-requests": _pull_request_form,
    "deployments": _deployment_form,
}


@login_required
@require_safe
def work_items(request: HttpRequest, slug: str) -> HttpResponse:
    engagement, sources = _engagement(request, slug)
    form = _work_item_form(request, engagement, sources)
    return _render_list(
        request,
        engagement,
        tab="delivery:work_items",
        template="delivery/work_items.html",
        form=form,
        rows=lambda f: queries.work_items(engagement, queries.WorkItemFilters(**f)),
    )


@login_required
@require_safe
def pull_requests(request: HttpRequest, slug: str) -> HttpResponse:
    engagement, sources = _engagement(request, slug)
    form = _pull_request_form(request, engagement, sources)

    return _render_list(
        request,
        engagement,
        tab="delivery:pull_requests",
        template="delivery/pull_requests.html",
        form=form,
        rows=lambda f: queries.pull_requests(engagement, queries.PullRequestFilters(**f)),
    )


@login_required
@require_safe
def deployments(request: HttpRequest, slug: str) -> HttpResponse:
    engagement, sources = _engagement(request, slug)
    form = _deployment_form(request, engagement, sources)
    return _render_list(
        request,
        engagement,
        tab="delivery:deployments",
        template="delivery/deployments.html",
        form=form,
        rows=lambda f: queries.deployments(engagement, queries.DeploymentFilters(**f)),
    )


@login_required
@require_safe
def incidents(request: HttpRequest, slug: str) -> HttpResponse:
    engagement, sources = _engagement(request, slug)
    form = forms.IncidentFilterForm(request.GET or None, sources=sources)
    return _render_list(
        request,
        engagement,
        tab="delivery:incidents",
        template="delivery/incidents.html",
        form=form,
        rows=lambda f: queries.incidents(engagement, queries.IncidentFilters(**f)),
    )


@login_required
@require_safe
def commits(request: HttpRequest, slug: str) -> HttpResponse:
    engagement, sources = _engagement(request, slug)
    form = forms.CommitFilterForm(
        request.GET or None, sources=sources, repos=queries.repos(engagement)
    )
    return _render_list(
        request,
        engagement,
        tab="delivery:commits",
        template="delivery/commits.html",
        form=form,
        rows=lambda f: queries.commits(engagement, queries.CommitFilters(**f)),
    )


@login_required
@require_safe
def export(request: HttpRequest, slug: str, kind: str, fmt: str) -> StreamingHttpResponse:
    """The work items, pull requests or deployments the list shows with the same filters (all of
    them without), as CSV or JSON; an invalid filter is left out, as the list leaves it out."""
    if kind not in EXPORT_FORMS or fmt not in exports.FORMATS:
        raise Http404("No such export.")
    engagement, sources = _engagement(request, slug)
    form = EXPORT_FORMS[kind](request, engagement, sources)
    filters = exports.EXPORTS[kind].filters(**form.values())
    return exports.response(kind, fmt, engagement, request.user, filters)
