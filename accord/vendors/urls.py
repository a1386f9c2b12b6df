from __future__ import annotations

from django.urls import URLPattern, path

from accord.vendors import views
from accord.vendors.views.items import ITEM_KINDS

app_name = "vendors"


def _item_urls() -> list[URLPattern]:
    urls = []
    for kind in ITEM_KINDS.values():
        base = f"<slug:slug>/{kind.segment}/"
        extra = {"kind": kind.key}
        urls += [
            path(f"{base}add/", views.item_add, extra, name=f"{kind.key}_add"),
            path(f"{base}<int:pk>/edit/", views.item_edit, extra, name=f"{kind.key}_edit"),
            path(f"{base}<int:pk>/delete/", views.item_delete, extra, name=f"{kind.key}_delete"),
        ]
    return urls


urlpatterns = [
    path("", views.vendor_list, name="list"),
    # "new" is a reserved slug (see actions.RESERVED_SLUGS), so no vendor hides this page.
    path("new/", views.vendor_add, name="add"),
    path("<slug:slug>/", views.vendor_detail, name="detail"),
    path("<slug:slug>/edit/", views.vendor_edit, name="edit"),
    path("<slug:slug>/delete/", views.vendor_delete, name="delete"),
    path(
        "<slug:slug>/certifications/<int:pk>/evidence/",
        views.certification_evidence,
        name="certification_evidence",
    ),
    path(
        "<slug:slug>/documents/<int:pk>/download/",
        views.document_download,
        name="document_download",
    ),
    *_item_urls(),
]
