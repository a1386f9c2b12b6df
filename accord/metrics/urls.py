from django.urls import path

from accord.metrics import dashboard_views as pages
from accord.metrics import report_views, views

app_name = "metrics"

urlpatterns = [
    path("", pages.portfolio, name="portfolio"),
    path("<slug:slug>/", pages.kpi_dashboard, name="dashboard"),
    path("<slug:slug>/new/", pages.kpi_add, name="kpi_add"),
    path("<slug:slug>/<int:pk>/edit/", pages.kpi_edit, name="kpi_edit"),
    path("<slug:slug>/<int:pk>/deactivate/", pages.kpi_deactivate, name="kpi_deactivate"),
    path("<slug:slug>/report/", report_views.kpi_report, name="report"),
    path("<slug:slug>/report.pdf", report_views.kpi_report_pdf, name="report_pdf"),
    path("<slug:slug>/metrics/", pages.engagement_metrics, name="engagement_metrics"),
    path("<slug:slug>/metrics/<slug:key>/", pages.metric_explain, name="explain"),
    path("<slug:slug>/import/", views.metrics_import, name="import"),
    path(
        "<slug:slug>/measurements.<slug:fmt>",
        views.measurements_export,
        name="measurements_export",
    ),
]
