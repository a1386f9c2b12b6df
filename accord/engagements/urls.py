from django.urls import path

from accord.engagements import views

app_name = "engagements"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("<slug:slug>/", views.engagement_detail, name="detail"),
]
