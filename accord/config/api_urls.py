"""/api/v1/: every app's API under one router."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accord.accounts.api import ObtainTokenView
from accord.audit.api import AuditEventViewSet
from accord.delivery.api import (
    DataSourceViewSet,
    DeploymentViewSet,
    IncidentViewSet,
    PullRequestViewSet,
    SyncRunViewSet,
    WorkItemViewSet,
)
from accord.delivery.api.exports import ExportView
from accord.engagements.api import EngagementViewSet
from accord.metrics.api import (
    KPIValuesImportView,
    KPIViewSet,
    ManualValueViewSet,
    MeasurementExportView,
    MeasurementViewSet,
    SurveyResponsesImportView,
)
from accord.selection.api import CandidacyViewSet, CriteriaTemplateViewSet, EvaluationViewSet
from accord.vendors.api import VendorViewSet

router = DefaultRouter()
router.register("vendors", VendorViewSet, basename="vendor")
router.register("engagements", EngagementViewSet, basename="engagement")
router.register("audit-events", AuditEventViewSet, basename="auditevent")
router.register("data-sources", DataSourceViewSet, basename="datasource")
router.register("sync-runs", SyncRunViewSet, basename="syncrun")
router.register("work-items", WorkItemViewSet, basename="workitem")
router.register("pull-requests", PullRequestViewSet, basename="pullrequest")
router.register("deployments", DeploymentViewSet, basename="deployment")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("kpis", KPIViewSet, basename="kpi")
router.register("measurements", MeasurementViewSet, basename="measurement")
router.register("manual-values", ManualValueViewSet, basename="manualvalue")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("criteria-templates", CriteriaTemplateViewSet, basename="criteriatemplate")
router.register("candidacies", CandidacyViewSet, basename="candidacy")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path(
        "engagements/<slug:slug>/export/<slug:kind>.<slug:fmt>",
        ExportView.as_view(),
        name="engagement-export",
    ),
    path(
        "engagements/<slug:slug>/kpi-values/import/",
        KPIValuesImportView.as_view(),
        name="kpi-values-import",
    ),
    path(
        "engagements/<slug:slug>/survey-responses/import/",
        SurveyResponsesImportView.as_view(),
        name="survey-responses-import",
    ),
    path(
        "engagements/<slug:slug>/measurements.<slug:fmt>",
        MeasurementExportView.as_view(),
        name="measurement-export",
    ),
    path("", include(router.urls)),
]
