from django.urls import path

from accord.engagements import views

app_name = "engagements"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    # "new" is a reserved slug (see actions.RESERVED_SLUGS), so this never hides an engagement.
    path("new/", views.engagement_create, name="create"),
    path("<slug:slug>/", views.engagement_detail, name="detail"),
    path("<slug:slug>/edit/", views.engagement_edit, name="edit"),
    path("<slug:slug>/delete/", views.engagement_delete, name="delete"),
    path("<slug:slug>/history/", views.engagement_history, name="history"),
    path("<slug:slug>/contacts/new/", views.contact_add, name="contact_add"),
    path("<slug:slug>/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("<slug:slug>/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("<slug:slug>/notes/", views.note_add, name="note_add"),
    path("<slug:slug>/notes/<int:pk>/delete/", views.note_delete, name="note_delete"),
    path("<slug:slug>/documents/", views.document_upload, name="document_upload"),
    path(
        "<slug:slug>/documents/<int:pk>/download/",
        views.document_download,
        name="document_download",
    ),
    path(
        "<slug:slug>/documents/<int:pk>/visibility/",
        views.document_visibility,
        name="document_visibility",
    ),
    path("<slug:slug>/documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
]
