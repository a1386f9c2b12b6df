from django.urls import path

from accord.metrics import views

app_name = "metrics"

urlpatterns = [
    path("<slug:slug>/import/", views.metrics_import, name="import"),
    path(
        "<slug:slug>/measurements.<slug:fmt>",
        views.measurements_export,
        name="measurements_export",
    ),
]
