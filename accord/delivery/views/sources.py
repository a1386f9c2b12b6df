"""Data source pages: list, add, edit, status mapping, rules, sync, connection test, file import,
sync history and delete. Credentials are write-only: pages show the token's last characters at
most, and only managers and admins see the webhook secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from accord.accounts import policy
from accord.accounts.policy import Perm
from accord.delivery import queries
from accord.delivery.actions.mapping import map_statuses
from accord.delivery.actions.sources import (
    create_data_source,
    delete_data_source,
    import_path,
    request_sync,
    update_data_source,
)
from accord.delivery.connectors import KINDS, connector_module, supports
from accord.delivery.forms import (
    CREDENTIAL_KINDS,
    DataSourceForm,
    ImportForm,
    RulesForm,
    StatusMappingForm,
)
from accord.delivery.models import DataSource, SourceKind, SyncRunStatus
from accord.delivery.uploads import UploadRefused, accepted_suffixes, import_upload
from accord.delivery.views.common import actor, source_url
from accord.delivery.views.records import TABS
from accord.delivery.webhook_views import WEBHOOK_KINDS, webhook_url
from accord.engagements.models import Engagement
from accord.engagements.queries import engagement_for
from accord.lib.forms import apply_validation_error

STATUS_KINDS = frozenset({SourceKind.JIRA, SourceKind.TRELLO, SourceKind.CSV})
RUNS_ON_DETAIL = 5
RUNS_PER_PAGE = 25


def _may_manage(request: HttpRequest, engagement: Engagement) -> bool:
    return policy.can(request.user, Perm.MANAGE_DELIVERY, engagement)


def capabilities(kind: str) -> dict[str, bool]:
    """What the connector of `kind` offers, so pages show only the buttons that work."""
    can_test = False
    if supports(kind, "client"):
        can_test = callable(getattr(connector_module(kind, "client"), "check_connection", None))
    return {
        "can_sync": supports(kind, "sync"),
        "can_import": supports(kind, "importer") and bool(accepted_suffixes(kind)),
        "reads_repository": kind == SourceKind.GIT and supports(kind, "importer"),
        "can_test": can_test,
        "takes_webhooks": kind in WEBHOOK_KINDS,
    }


@login_required
@require_safe
def source_list(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, engagement)
    return render(
        request,
        "delivery/source_list.html",
        {
            "engagement": engagement,
            "sources": list(queries.sources_for(request.user, engagement)),
            "may_manage": _may_manage(request, engagement),
            "tabs": TABS,
            "sees_people": policy.is_client(request.user),
        },
    )


def _form_page(
    request: HttpRequest,
    engagement: Engagement,
    form: DataSourceForm,
    *,
    source: DataSource | None,
) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "delivery/source_form.html",
        {
            "engagement": engagement,
            "form": form,
            "source": source,
            "kind": form.kind,
            "kind_label": SourceKind(form.kind).label,
        },
        status=status,
    )


@login_required
def source_add(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    policy.require(request.user, Perm.MANAGE_DELIVERY, engagement)
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind not in KINDS:
        # First step: choose what to connect; the form then shows only that kind's fields.
        return render(
            request,
            "delivery/source_kind.html",
            {"engagement": engagement, "kinds": SourceKind.choices},
            status=400 if request.method == "POST" else 200,
        )
    form = DataSourceForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            source = create_data_source(
                actor=actor(request), engagement=engagement, kind=kind, **form.source_fields()
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, f"“{source.name}” was added.")
            return redirect(source_url(source))
    return _form_page(request, engagement, form, source=None)


@login_required
def source_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    form = DataSourceForm(request.POST or None, kind=source.kind, instance=source)
    if request.method == "POST" and form.is_valid():
        fields = form.source_fields()
        clash = (
            DataSource.objects.filter(engagement=engagement, name=fields["name"])
            .exclude(pk=source.pk)
            .exists()
        )
        if clash:
            form.add_error("name", f"{engagement} already has a data source with this name.")
        else:
            try:
                update_data_source(actor=actor(request), data_source=source, **fields)
            except ValidationError as exc:
                apply_validation_error(form, exc)
                source.refresh_from_db()
            else:
                messages.success(request, f"“{source.name}” was saved.")
                return redirect(source_url(source))
    return _form_page(request, engagement, form, source=source)


def _detail_context(
    request: HttpRequest,
    source: DataSource,
    *,
    mapping_form: StatusMappingForm | None = None,
    rules_form: RulesForm | None = None,
) -> dict[str, Any]:
    engagement = source.engagement
    may_manage = _may_manage(request, engagement)
    statuses = queries.statuses_for(source)
    runs = list(queries.runs_for(source)[:RUNS_ON_DETAIL])
    caps = capabilities(source.kind)
    context: dict[str, Any] = {
        "engagement": engagement,
        "source": source,
        "may_manage": may_manage,
        "statuses": statuses,
        "unmapped": [s for s in statuses if s.resolution == s.Resolution.UNRESOLVED],
        "runs": runs,
        "run_count": source.runs.count(),
        **caps,
        "scope_items": _scope_items(source),
        "tabs": TABS,
        "has_credentials": source.kind in CREDENTIAL_KINDS,
        # GitHub and git records have no workflow statuses to map.
        "has_statuses": bool(statuses) or source.kind in STATUS_KINDS,
    }
    if may_manage:
        context["mapping_form"] = mapping_form or StatusMappingForm(
            source=source, statuses=statuses
        )
        if RulesForm.applies_to(source.kind):
            context["rules_form"] = rules_form or RulesForm(source=source)
        if caps["can_import"]:
            context["import_form"] = ImportForm(accepted=accepted_suffixes(source.kind))
        if caps["takes_webhooks"]:
            context["webhook_url"] = webhook_url(request, source)
            context["webhook_secret"] = source.webhook_secret
    return context


def _scope_items(source: DataSource) -> list[tuple[str, str]]:
    """The scope as (label, value) pairs for reading; never credentials."""
    labels = {
        "base_url": "Site",
        "project_keys": "Projects",
        "board_id": "Board",
        "jql": "JQL",
        "story_points_field": "Story points field",
        "zone": "Time zone",
        "repos": "Repositories",
        "api_url": "API address",
        "path": "Path",
        "refs": "Refs",
        "name": "Repository name",
        "callback_url": "Webhook callback URL",
    }
    items = []
    for key, label in labels.items():
        value = (source.scope or {}).get(key)
        if value:
            items.append((label, ", ".join(map(str, value)) if isinstance(value, list) else value))
    return items


@login_required
@require_safe
def source_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, source)
    return render(request, "delivery/source_detail.html", _detail_context(request, source))


@login_required
@require_POST
def source_statuses(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    form = StatusMappingForm(request.POST, source=source, statuses=queries.statuses_for(source))
    if not form.is_valid():
        context = _detail_context(request, source, mapping_form=form)
        return render(request, "delivery/source_detail.html", context, status=400)
    result = map_statuses(
        actor=actor(request),
        data_source=source,
        mapping=form.mapping(),
        active_statuses=form.active_statuses(),
    )
    text = f"The status mapping of “{source.name}” was saved"
    if result.recategorized_items:
        text += f"; {len(result.recategorized_items)} work item(s) were recategorized"
    messages.success(request, text + ".")
    return redirect(source_url(source, "statuses"))


@login_required
@require_POST
def source_rules(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    if not RulesForm.applies_to(source.kind):
        messages.error(request, f"{source.get_kind_display()} sources have no incident rules.")
        return redirect(source_url(source))
    form = RulesForm(request.POST, source=source)
    if not form.is_valid():
        context = _detail_context(request, source, rules_form=form)
        return render(request, "delivery/source_detail.html", context, status=400)
    incident, deployment = form.rules()
    update_data_source(
        actor=actor(request),
        data_source=source,
        incident_rule=incident,
        deployment_rule=deployment,
    )
    messages.success(
        request, f"The rules of “{source.name}” were saved; they apply to the next import or sync."
    )
    return redirect(source_url(source, "rules"))


@login_required
@require_POST
def source_sync(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    if not supports(source.kind, "sync"):
        messages.error(
            request, f"{source.get_kind_display()} sources are imported from files, not synced."
        )
        return redirect(source_url(source))
    run = request_sync(data_source=source, requested_by=actor(request))
    if run.status == SyncRunStatus.RUNNING:
        messages.info(request, f"A sync of “{source.name}” is already running (run {run.pk}).")
    else:
        messages.success(
            request, f"A sync of “{source.name}” was queued (run {run.pk}); refresh to follow it."
        )
    return redirect(source_url(source, "runs"))


@login_required
@require_POST
def source_test(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    if not capabilities(source.kind)["can_test"]:
        messages.error(request, f"{source.get_kind_display()} sources have no connection to test.")
        return redirect(source_url(source))
    check = connector_module(source.kind, "client").check_connection
    try:
        result = str(check(source))
    except Exception as exc:  # the connector's sentence, whatever went wrong
        messages.error(request, f"The connection test failed: {exc}")
    else:
        messages.success(request, result)
    return redirect(source_url(source))


@login_required
def source_import(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    accepted = accepted_suffixes(source.kind)
    if not capabilities(source.kind)["can_import"]:
        messages.error(request, f"{source.get_kind_display()} sources are not imported by upload.")
        return redirect(source_url(source))
    form = ImportForm(request.POST or None, request.FILES or None, accepted=accepted)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            run = import_upload(
                data_source=source, upload=form.cleaned_data["file"], requested_by=actor(request)
            )
        except UploadRefused as exc:
            error = f"{exc} Nothing was imported."
        else:
            if run.status == SyncRunStatus.SUCCEEDED:
                messages.success(request, f"Imported into “{source.name}”. {run.summary}".strip())
                return redirect(source_url(source, "runs"))
            error = f"{run.error} Nothing was imported."
    return render(
        request,
        "delivery/source_import.html",
        {"engagement": engagement, "source": source, "form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def source_read_repository(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Import a git source's commits from the repository path in its scope, as `accord import
    git PATH` would: git repositories are read on the server, not uploaded."""
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    path = str((source.scope or {}).get("path") or "")
    if source.kind != SourceKind.GIT or not supports(source.kind, "importer"):
        messages.error(request, f"{source.get_kind_display()} sources are not read from a path.")
        return redirect(source_url(source))
    if not path:
        messages.error(request, "Set the repository path on the server first (Edit).")
        return redirect(source_url(source))
    run = import_path(data_source=source, path=Path(path), requested_by=actor(request))
    if run.status == SyncRunStatus.SUCCEEDED:
        messages.success(request, f"Imported into “{source.name}”. {run.summary}".strip())
    else:
        messages.error(request, f"{run.error} Nothing was imported.")
    return redirect(source_url(source, "runs"))


@login_required
@require_safe
def source_runs(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.VIEW_ENGAGEMENT, source)
    page = Paginator(queries.runs_for(source), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "delivery/source_runs.html",
        {"engagement": engagement, "source": source, "page_obj": page},
    )


@login_required
def source_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    engagement = engagement_for(request.user, slug)
    source = queries.source_for(request.user, engagement, pk)
    policy.require(request.user, Perm.MANAGE_DELIVERY, source)
    if request.method == "POST":
        name = source.name
        delete_data_source(actor=actor(request), data_source=source)
        messages.success(request, f"“{name}” and every record it brought in were deleted.")
        return redirect("delivery:source_list", engagement.slug)
    return render(
        request,
        "delivery/source_delete.html",
        {"engagement": engagement, "source": source, "counts": queries.record_counts(source)},
    )
