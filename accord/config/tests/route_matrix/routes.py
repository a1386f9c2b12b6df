"""The route table: every URL name with its access class and how to build its arguments.

Add an entry here for every new URL; `test_every_route_is_in_the_matrix` fails until you do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accord.config.tests.route_matrix.access import Route


def _slug(kind: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda o: {"slug": o[kind].slug}


def _item(kind: str, obj: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda o: {"slug": o[kind].slug, "pk": o[obj].pk}


def _vendor_item_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    for key in ("location", "certification", "case_study", "reference", "rate", "document"):
        routes[f"vendors:{key}_add"] = Route("write", ("GET", "POST"), _slug("vendor"))
        routes[f"vendors:{key}_edit"] = Route("write", ("GET", "POST"), _item("vendor", f"v_{key}"))
        routes[f"vendors:{key}_delete"] = Route("write", ("POST",), _item("vendor", f"v_{key}"))
    return routes


def _selection_routes() -> dict[str, Route]:
    ev, item = _slug("evaluation"), _item("evaluation", "candidate")

    def api_ev(o: dict[str, Any]) -> dict[str, Any]:
        return {"pk": o["evaluation"].pk}

    flag = _item("evaluation", "red_flag")
    return {
        "selection:list": Route("evaluation", targeted=False),
        "selection:create": Route("write", ("GET", "POST"), targeted=False),
        "selection:detail": Route("evaluation", ("GET",), ev),
        "selection:edit": Route("evaluation_write", ("GET", "POST"), ev),
        "selection:evaluator_add": Route("evaluation_write", ("POST",), ev),
        "selection:criteria": Route("evaluation", ("GET",), ev),
        "selection:weights_save": Route("evaluation_write", ("POST",), ev),
        "selection:template_save": Route("evaluation_write", ("POST",), ev),
        "selection:criterion_add": Route("evaluation_write", ("POST",), ev),
        "selection:criterion_edit": Route(
            "evaluation_write", ("GET", "POST"), _item("evaluation", "criterion")
        ),
        "selection:criterion_delete": Route(
            "evaluation_write", ("POST",), _item("evaluation", "criterion")
        ),
        "selection:candidate_add": Route("evaluation_write", ("POST",), ev),
        "selection:candidate": Route("evaluation", ("GET",), item),
        "selection:communication_add": Route("evaluation_write", ("POST",), item),
        "selection:invite": Route("evaluation_write", ("POST",), item),
        "selection:flags_refresh": Route("evaluation_write", ("POST",), ev),
        "selection:flag_override": Route("evaluation_write", ("POST",), flag),
        "selection:score": Route("score", ("GET", "POST"), ev),
        "selection:score_submit": Route("score", ("POST",), ev),
        "selection:ranking": Route("evaluation_results", ("GET",), ev),
        "selection:what_if": Route("evaluation_results", ("GET",), ev),
        "selection:decision": Route("evaluation_write", ("GET", "POST"), ev),
        "selection:engagement_create": Route("evaluation_write", ("POST",), ev),
        "selection:report": Route("evaluation_results", ("GET",), ev),
        "selection:report_pdf": Route("evaluation_results", ("GET",), ev),
        "selection:portal": Route("portal", targeted=False),
        # API
        "evaluation-list": Route("evaluation", targeted=False),
        "evaluation-detail": Route("evaluation", ("GET",), api_ev),
        "evaluation-criteria": Route("evaluation", ("GET",), api_ev),
        "evaluation-set-weights": Route("evaluation_write", ("POST",), api_ev),
        "evaluation-candidates": Route("evaluation", ("GET",), api_ev),
        "evaluation-scores": Route("evaluation", ("GET",), api_ev),
        "evaluation-submit-scores": Route("score", ("POST",), api_ev),
        "evaluation-red-flags": Route("evaluation", ("GET",), api_ev),
        "evaluation-override-red-flag": Route(
            "evaluation_write",
            ("POST",),
            lambda o: {"pk": o["evaluation"].pk, "flag_pk": o["red_flag"].pk},
        ),
        "evaluation-ranking": Route("evaluation_results", ("GET",), api_ev),
        "evaluation-decision": Route("evaluation_results", ("GET",), api_ev),
        "evaluation-start-engagement": Route("evaluation_write", ("POST",), api_ev),
        "criteriatemplate-list": Route("evaluation", targeted=False),
        "criteriatemplate-detail": Route(
            "evaluation", ("GET",), lambda o: {"pk": o["criteria_template"].pk}, targeted=False
        ),
        "candidacy-list": Route("portal", targeted=False),
        "candidacy-detail": Route("portal", ("GET",), lambda o: {"pk": o["candidate"].pk}),
        "candidacy-answer": Route(
            "portal_answer",
            ("POST",),
            lambda o: {"pk": o["candidate"].pk, "item_pk": o["checklist_item"].pk},
        ),
        "selection:portal_checklist": Route(
            "portal", ("GET",), lambda o: {"pk": o["candidate"].pk}
        ),
        "selection:portal_answer": Route(
            "portal_answer",
            ("POST",),
            lambda o: {"pk": o["candidate"].pk, "item_pk": o["checklist_item"].pk},
        ),
    }


def _delivery_routes() -> dict[str, Route]:
    source = _item("engagement", "source")
    routes: dict[str, Route] = {
        "delivery:source_list": Route("read", ("GET",), _slug("engagement")),
        "delivery:source_add": Route("write", ("GET", "POST"), _slug("engagement")),
        "delivery:source_detail": Route("read", ("GET",), source),
        "delivery:source_edit": Route("write", ("GET", "POST"), source),
        "delivery:source_statuses": Route("write", ("POST",), source),
        "delivery:source_rules": Route("write", ("POST",), source),
        "delivery:source_sync": Route("write", ("POST",), source),
        "delivery:source_test": Route("write", ("POST",), source),
        "delivery:source_import": Route("write", ("GET", "POST"), source),
        "delivery:source_read_repository": Route("write", ("POST",), source),
        "delivery:source_runs": Route("read", ("GET",), source),
        "delivery:source_delete": Route("write", ("GET", "POST"), source),
        # People span every vendor: they do not exist for vendor users.
        "delivery:people": Route("read_internal", targeted=False),
        "delivery:person_detail": Route(
            "read_internal", ("GET",), lambda o: {"pk": o["person"].pk}, targeted=False
        ),
        "delivery:affiliation_edit": Route(
            "write_internal",
            ("GET", "POST"),
            lambda o: {"person_pk": o["person"].pk, "pk": o["affiliation"].pk},
            targeted=False,
        ),
        "delivery:affiliation_delete": Route(
            "write_internal",
            ("POST",),
            lambda o: {"person_pk": o["person"].pk, "pk": o["affiliation"].pk},
            targeted=False,
        ),
        "delivery:affiliation_rules": Route("read_internal", targeted=False),
        "delivery:affiliation_rule_delete": Route(
            "write_internal", ("POST",), lambda o: {"pk": o["affiliation_rule"].pk}, targeted=False
        ),
        "datasource-list": Route("read", ("GET",), targeted=False),
        "datasource-detail": Route("read", ("GET",), lambda o: {"pk": o["source"].pk}),
        "datasource-sync": Route("write", ("POST",), lambda o: {"pk": o["source"].pk}),
        "datasource-import-file": Route("write", ("POST",), lambda o: {"pk": o["source"].pk}),
        "syncrun-list": Route("read", ("GET",), targeted=False),
        "syncrun-detail": Route("read", ("GET",), lambda o: {"pk": o["sync_run"].pk}),
    }
    for name in ("work_items", "pull_requests", "deployments", "incidents", "commits"):
        routes[f"delivery:{name}"] = Route("read", ("GET",), _slug("engagement"))
    export = lambda o: {"slug": o["engagement"].slug, "kind": "work-items", "fmt": "csv"}  # noqa: E731
    routes["delivery:export"] = Route("read", ("GET",), export)
    routes["engagement-export"] = Route("read", ("GET",), export)
    for basename, key in (
        ("workitem", "work_item"),
        ("pullrequest", "pull_request"),
        ("deployment", "deployment"),
        ("incident", "incident"),
    ):
        routes[f"{basename}-list"] = Route("read", ("GET",), targeted=False)
        routes[f"{basename}-detail"] = Route("read", ("GET",), lambda o, k=key: {"pk": o[k].pk})
    return routes


def _metrics_routes() -> dict[str, Route]:
    export = lambda o: {"slug": o["engagement"].slug, "fmt": "xlsx"}  # noqa: E731
    return {
        "metrics:import": Route("write", ("GET", "POST"), _slug("engagement")),
        "metrics:measurements_export": Route("read", ("GET",), export),
        "kpi-list": Route("read", ("GET",), targeted=False),
        "kpi-detail": Route("read", ("GET",), lambda o: {"pk": o["kpi"].pk}),
        "measurement-list": Route("read", ("GET",), targeted=False),
        "measurement-detail": Route("read", ("GET",), lambda o: {"pk": o["measurement"].pk}),
        "measurement-evidence": Route("read", ("GET",), lambda o: {"pk": o["measurement"].pk}),
        "manualvalue-list": Route("read", ("GET",), targeted=False),
        "manualvalue-detail": Route("read", ("GET",), lambda o: {"pk": o["manual_value"].pk}),
        "kpi-values-import": Route("write", ("POST",), _slug("engagement")),
        "survey-responses-import": Route("write", ("POST",), _slug("engagement")),
        "measurement-export": Route("read", ("GET",), export),
        # Pages: portfolio, KPI dashboard and form, every metric, one value explained
        "metrics:portfolio": Route("read", targeted=False),
        "metrics:dashboard": Route("read", ("GET",), _slug("engagement")),
        "metrics:engagement_metrics": Route("read", ("GET",), _slug("engagement")),
        "metrics:explain": Route(
            "read", ("GET",), lambda o: {"slug": o["engagement"].slug, "key": "throughput"}
        ),
        "metrics:kpi_add": Route("write", ("GET", "POST"), _slug("engagement")),
        "metrics:kpi_edit": Route("write", ("GET", "POST"), _item("engagement", "kpi")),
        "metrics:kpi_deactivate": Route("write", ("POST",), _item("engagement", "kpi")),
        # The KPI report: its preview and its PDF
        "metrics:report": Route("read", ("GET",), _slug("engagement")),
        "metrics:report_pdf": Route("read", ("GET",), _slug("engagement")),
    }


ROUTES: dict[str, Route] = {
    "dashboard": Route("signed_in", targeted=False),
    "healthz": Route("public", targeted=False),
    "accounts:login": Route("public", targeted=False),
    "accounts:logout": Route("logout", ("POST",), targeted=False),
    "accounts:users": Route("admin", targeted=False),
    "accounts:user_edit": Route(
        "admin", ("GET", "POST"), lambda o: {"pk": o["viewer"].pk}, targeted=False
    ),
    "accounts:invite": Route("admin", ("POST",), targeted=False),
    "accounts:revoke_invitation": Route(
        "admin", ("POST",), lambda o: {"pk": o["invitation"].pk}, targeted=False
    ),
    "accounts:accept_invitation": Route(
        "public", ("GET",), lambda o: {"token": o["invitation_token"]}, targeted=False
    ),
    "audit:list": Route("audit", targeted=False),
    # Webhooks take no session; a file-only source (csv) refuses them whoever posts.
    "webhook": Route(
        "no_webhooks",
        ("POST",),
        lambda o: {"kind": "jira", "source_id": o["data_source"].pk},
        targeted=False,
    ),
    **_delivery_routes(),
    # Vendors
    "vendors:list": Route("read", targeted=False),
    "vendors:add": Route("write", ("GET", "POST"), targeted=False),
    "vendors:detail": Route("read", ("GET",), _slug("vendor")),
    "vendors:edit": Route("write", ("GET", "POST"), _slug("vendor")),
    "vendors:delete": Route("write", ("POST",), _slug("vendor")),
    "vendors:certification_evidence": Route("read", ("GET",), _item("vendor", "v_certification")),
    "vendors:document_download": Route("read", ("GET",), _item("vendor", "v_document")),
    **_vendor_item_routes(),
    # Engagements
    "engagements:list": Route("read", targeted=False),
    "engagements:create": Route("write", ("GET", "POST"), targeted=False),
    "engagements:detail": Route("read", ("GET",), _slug("engagement")),
    "engagements:edit": Route("write", ("GET", "POST"), _slug("engagement")),
    "engagements:delete": Route("write", ("POST",), _slug("engagement")),
    "engagements:history": Route("audit", ("GET",), _slug("engagement")),
    "engagements:contact_add": Route("write", ("GET", "POST"), _slug("engagement")),
    "engagements:contact_edit": Route("write", ("GET", "POST"), _item("engagement", "contact")),
    "engagements:contact_delete": Route("write", ("POST",), _item("engagement", "contact")),
    "engagements:note_add": Route("comment", ("POST",), _slug("engagement")),
    "engagements:note_delete": Route(
        "write_internal", ("POST",), _item("engagement", "internal_note")
    ),
    "engagements:document_upload": Route("write", ("POST",), _slug("engagement")),
    "engagements:document_download": Route(
        "read", ("GET",), _item("engagement", "shared_document")
    ),
    "engagements:document_visibility": Route(
        "write_internal", ("POST",), _item("engagement", "internal_document")
    ),
    "engagements:document_delete": Route(
        "write_internal", ("POST",), _item("engagement", "internal_document")
    ),
    # Selection
    **_selection_routes(),
    # Metrics and KPIs
    **_metrics_routes(),
    # API
    "api-root": Route("signed_in", targeted=False),
    "api-token": Route("public", ("POST",), targeted=False),
    "schema": Route("public", targeted=False),
    "swagger-ui": Route("public", targeted=False),
    "vendor-list": Route("read", ("GET",), targeted=False),
    "vendor-detail": Route("read", ("GET",), lambda o: {"pk": o["vendor"].pk}),
    "engagement-list": Route("read", ("GET",), targeted=False),
    "engagement-detail": Route("read", ("GET",), lambda o: {"pk": o["engagement"].pk}),
    "engagement-notes": Route("read", ("GET",), lambda o: {"pk": o["engagement"].pk}),
    "auditevent-list": Route("audit", targeted=False),
    "auditevent-detail": Route("audit", ("GET",), lambda o: {"pk": o["shared_event"].pk}),
}

# API writes are listed apart: the same route name takes several methods with other rules.
API_WRITES: list[tuple[str, str, str, bool]] = [
    # (route, method, access, targeted)
    ("vendor-list", "POST", "write", False),
    ("vendor-detail", "PATCH", "write", True),
    ("vendor-detail", "DELETE", "write", True),
    ("engagement-list", "POST", "write", False),
    ("engagement-detail", "PATCH", "write", True),
    ("engagement-detail", "DELETE", "write", True),
    ("engagement-notes", "POST", "comment", True),
    ("datasource-list", "POST", "write", False),
    ("datasource-detail", "PATCH", "write", True),
    ("datasource-detail", "DELETE", "write", True),
    ("delivery:person_detail", "POST", "write_internal", False),
    ("kpi-list", "POST", "write", False),
    ("kpi-detail", "PATCH", "write", True),
    ("manualvalue-list", "POST", "write", False),
    ("evaluation-list", "POST", "evaluation_write", False),
    ("evaluation-detail", "PATCH", "evaluation_write", True),
    ("evaluation-candidates", "POST", "evaluation_write", True),
    ("evaluation-scores", "POST", "score", True),
    ("evaluation-decision", "POST", "evaluation_write", True),
    ("delivery:affiliation_rules", "POST", "write_internal", False),
]
