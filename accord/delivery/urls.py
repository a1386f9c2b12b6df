from django.urls import path

from accord.delivery import webhook_views

app_name = "delivery"

urlpatterns = [
    path("hooks/<int:source_id>/", webhook_views.receive, name="webhook"),
]
