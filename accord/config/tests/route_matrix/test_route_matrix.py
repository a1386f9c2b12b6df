"""Every route by every role: the answer the access policy promises.

The table below names each URL pattern with its access class. A route added without an entry
fails `test_every_route_is_in_the_matrix`, so the matrix always covers every route.

Vendor users are Vistula's (lena the lead, milo the member). "own" targets belong to Vistula,
"other" targets to Deccan; a vendor user must get 404 for anything of Deccan's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accord.accounts.actions import invite_user
from accord.audit.models import AuditEvent
from accord.delivery.models import (
    Affiliation,
    AffiliationRule,
    DataSource,
    Deployment,
    Incident,
    Person,
    PullRequest,
    SyncRun,
    WorkItem,
)
from accord.demo import _pdf
from accord.engagements import actions as eng
from accord.metrics.models import KPI, ManualValue, Measurement
from accord.selection.tests.factories import selection_objects
from accord.vendors import actions as ven
from accord.vendors import models as vm

ROLES = ["anonymous", "admin", "manager", "evaluator", "viewer", "vendor_lead", "vendor_member"]
CLIENT_ROLES = {"admin", "manager", "evaluator", "viewer"}
VENDOR_ROLES = {"vendor_lead", "vendor_member"}
OK, LOGIN = "ok", "login"


def expected(access: str, role: str, target: str, *, api: bool) -> str | int:
    """What `role` should get from a route of class `access` on an own/other target."""
    if access == "logout":
        return LOGIN  # logging out always lands on the login page
    if access == "no_webhooks":
        return 404
    if role == "anonymous":
        if access == "public":
            return OK
        return 401 if api else LOGIN
    vendor = role in VENDOR_ROLES
    other_eval = role == "evaluator" and target == "other"
    if vendor and target == "other" and access not in {"public", "signed_in", "admin"}:
        return 404
    rules: dict[str, Callable[[], str | int]] = {
        "public": lambda: OK,
        "signed_in": lambda: OK,
        "read": lambda: OK,
        # Internal objects do not exist for vendor users.
        "read_internal": lambda: 404 if vendor else OK,
        "write": lambda: OK if role in {"admin", "manager"} else 403,
        "write_internal": lambda: 404 if vendor else (OK if role in {"admin", "manager"} else 403),
        "comment": lambda: OK if role in {"admin", "manager", "vendor_lead"} else 403,
        "admin": lambda: OK if role == "admin" else 403,
        "audit": lambda: 403 if role == "evaluator" else OK,
        # Selection: evaluators only in evaluations they are assigned to ("own"), vendor users
        # never; results wait until the evaluator submitted (the world's eve has not).
        "evaluation": lambda: 404 if vendor or other_eval else OK,
        "evaluation_write": lambda: 404 if vendor or other_eval else _manages(role),
        "evaluation_results": lambda: 404 if vendor or other_eval else _results(role),
        "score": lambda: 404 if vendor or other_eval else (OK if role == "evaluator" else 403),
        "portal": lambda: OK if vendor else 404,
        "portal_answer": lambda: 404 if not vendor else (OK if role == "vendor_lead" else 403),
    }
    return rules[access]()


def _manages(role: str) -> str | int:
    return OK if role in {"admin", "manager"} else 403


def _results(role: str) -> str | int:
    return 403 if role == "evaluator" else OK


@dataclass(frozen=True)
class Route:
    access: str
    methods: tuple[str, ...] = ("GET",)
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # Whether the route takes an own/other target (tested on both) or none.
    targeted: bool = True


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


def _route_names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _route_names(entry, space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_route_is_in_the_matrix():
    # Static files and DRF's format-suffix twins share names with listed routes.
    assert _route_names(get_resolver()) - set(ROUTES) == set()
    assert set(ROUTES) - _route_names(get_resolver()) == set()


@pytest.fixture
def world(everyone, vistula, deccan, mark, alice) -> dict[str, Any]:
    """One of every object for Vistula ("own") and for Deccan ("other")."""
    objects: dict[str, Any] = {"viewer": everyone["viewer"]}
    for side, vendor in (("own", vistula), ("other", deccan)):
        o: dict[str, Any] = {"vendor": vendor}
        add = ven.add_vendor_item
        o["v_location"] = add(
            actor=mark,
            vendor=vendor,
            model=vm.DeliveryLocation,
            city="City",
            country="PL",
            time_zone="Europe/Warsaw",
        )
        o["v_certification"] = add(
            actor=mark,
            vendor=vendor,
            model=vm.Certification,
            kind="iso_27001",
            issuer="DNV",
            valid_from=dt.date(2025, 1, 1),
            valid_until=dt.date(2028, 1, 1),
            evidence=ContentFile(_pdf("certificate"), name="iso.pdf"),
        )
        o["v_case_study"] = add(
            actor=mark, vendor=vendor, model=vm.CaseStudy, title="Case", summary="S"
        )
        o["v_reference"] = add(
            actor=mark, vendor=vendor, model=vm.Reference, kind="reference", company="C"
        )
        o["v_rate"] = add(
            actor=mark, vendor=vendor, model=vm.RateCardLine, role="Engineer", amount=50
        )
        o["v_document"] = add(
            actor=mark,
            vendor=vendor,
            model=vm.VendorDocument,
            kind="sdlc",
            title="SDLC",
            file=ContentFile(_pdf("sdlc"), name="sdlc.pdf"),
        )
        engagement = eng.create_engagement(
            actor=mark, name=f"{vendor.name} work", vendor=vendor, status="active"
        )
        o["engagement"] = engagement
        o["contact"] = eng.add_contact(actor=mark, engagement=engagement, side="client", name="Pat")
        o["internal_note"] = eng.add_note(
            actor=mark, engagement=engagement, body="internal", visibility="internal"
        )
        eng.add_note(actor=mark, engagement=engagement, body="shared", visibility="shared")
        for visibility in ("shared", "internal"):
            o[f"{visibility}_document"] = eng.add_document(
                actor=mark,
                engagement=engagement,
                title=f"{visibility} doc",
                visibility=visibility,
                file=ContentFile(_pdf(visibility), name=f"{visibility}.pdf"),
            )
        _delivery_records(o, engagement)
        _metrics_records(o, engagement)
        o["shared_event"] = (
            AuditEvent.objects.filter(engagement=engagement, shared=True).order_by("id").first()
        )
        o.update(
            selection_objects(
                side=side, vendor=vendor, manager=mark, evaluator=everyone["evaluator"]
            )
        )
        objects[side] = o
    invitation = invite_user(
        actor=alice,
        email="new@example.com",
        organization=vistula.organization,
        role="vendor_member",
    )
    from accord.accounts.actions import invitation_token

    objects["invitation"] = invitation
    objects["data_source"] = DataSource.objects.create(
        engagement=objects["own"]["engagement"], kind="csv", name="CSV"
    )
    objects["invitation_token"] = invitation_token(invitation)
    person = Person.objects.create(display_name="Pat Doe", email="pat@vistula.example")
    objects["person"] = person
    objects["affiliation"] = Affiliation.objects.create(
        person=person, organization=vistula.organization
    )
    objects["affiliation_rule"] = AffiliationRule.objects.create(
        organization=vistula.organization, domain="vistula.example"
    )
    return objects


def _delivery_records(o: dict[str, Any], engagement: Any) -> None:
    """A GitHub source with one record of each kind and one run."""
    at = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    source = DataSource.objects.create(engagement=engagement, kind="github", name="GitHub")
    o["source"] = source
    o["sync_run"] = SyncRun.objects.create(data_source=source, trigger="import")
    o["work_item"] = WorkItem.objects.create(
        data_source=source, external_id="1", key="K-1", title="T", status="Open", created_at=at
    )
    o["pull_request"] = PullRequest.objects.create(
        data_source=source,
        external_id="1",
        repo="a/b",
        number=1,
        title="PR",
        state="open",
        created_at=at,
    )
    o["deployment"] = Deployment.objects.create(
        data_source=source, external_id="1", environment="production", status="success"
    )
    o["incident"] = Incident.objects.create(
        data_source=source, external_id="1", title="Down", started_at=at
    )


def _metrics_records(o: dict[str, Any], engagement: Any) -> None:
    """A KPI with one measurement, and one manual value."""
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    end = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    o["kpi"] = KPI.objects.create(
        engagement=engagement,
        metric_key="throughput",
        name="Throughput",
        target=10,
        warning_threshold=5,
        better="higher",
    )
    o["measurement"] = Measurement.objects.create(
        kpi=o["kpi"], period_start=start, period_end=end, value=1, status="off_track"
    )
    o["manual_value"] = ManualValue.objects.create(
        engagement=engagement,
        metric_key="retention",
        period_start=start,
        period_end=end,
        value=0.9,
    )


def _client(role: str, everyone: dict[str, Any]) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(everyone[role])
    return client


def _kwargs(route: Route, world: dict[str, Any], target: str) -> dict[str, Any]:
    if route.kwargs is None:
        return {}
    scope = {**world, **world[target]} if route.targeted else {**world, **world["own"]}
    return route.kwargs(scope)


def _check(response: Any, want: str | int, label: str) -> None:
    status = response.status_code
    if want == LOGIN:
        assert status == 302 and "/accounts/login/" in response["Location"], f"{label}: {status}"
    elif want == OK:
        assert status < 500 and status not in (401, 403, 404, 405), f"{label}: {status}"
        if status == 302:
            assert "/accounts/login/" not in response["Location"], f"{label}: sent to login"
    else:
        assert status == want, f"{label}: expected {want}, got {status}"


def _cases(name: str) -> list[tuple[str, str, str]]:
    """(method, target, access) for one route: its own methods and its API writes."""
    route = ROUTES[name]
    targets = ("own", "other") if route.targeted else ("own",)
    cases = [(method, target, route.access) for method in route.methods for target in targets]
    for write_name, method, access, targeted in API_WRITES:
        if write_name == name:
            cases += [(method, t, access) for t in (("own", "other") if targeted else ("own",))]
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_role_gets_the_promised_answer(name, everyone, world):
    route = ROUTES[name]
    failures = []
    for method, target, access in _cases(name):
        url = reverse(name, kwargs=_kwargs(route, world, target))
        api = url.startswith("/api/v1/")
        for role in ROLES:
            # given a session for the role, and each request rolled back afterwards so that
            # one role's delete leaves the target in place for the next
            client = _client(role, everyone)
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url)
                elif api:
                    response = getattr(client, method.lower())(
                        url, {}, content_type="application/json"
                    )
                else:
                    response = client.post(url, {})
                transaction.set_rollback(True)
            # then the answer is the promised one
            try:
                _check(response, expected(access, role, target, api=api), f"{role} {method} {url}")
            except AssertionError as exc:
                failures.append(str(exc).splitlines()[0])
    assert failures == []
