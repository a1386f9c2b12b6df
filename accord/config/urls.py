from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accord.config import views
from accord.delivery import webhook_views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accord.accounts.urls")),
    path("vendors/", include("accord.vendors.urls")),
    path("engagements/", include("accord.engagements.urls")),
    path("audit/", include("accord.audit.urls")),
    path("delivery/", include("accord.delivery.urls")),
    # Webhooks: one URL per service and data source, signed, no session (issue 4).
    re_path(
        r"^hooks/(?P<kind>github|trello|jira)/(?P<source_id>[0-9]+)$",
        webhook_views.receive,
        name="webhook",
    ),
    path("selection/", include("accord.selection.urls")),
    path("kpis/", include("accord.metrics.urls")),
    path("api/v1/", include("accord.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/schema/ui/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"
    ),
]
