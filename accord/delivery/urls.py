from django.urls import path

from accord.delivery.views import people, records, sources

app_name = "delivery"

_E = "engagements/<slug:slug>/"
_S = _E + "sources/<int:pk>/"

urlpatterns = [
    # Data sources of an engagement
    path(_E + "sources/", sources.source_list, name="source_list"),
    path(_E + "sources/new/", sources.source_add, name="source_add"),
    path(_S, sources.source_detail, name="source_detail"),
    path(_S + "edit/", sources.source_edit, name="source_edit"),
    path(_S + "statuses/", sources.source_statuses, name="source_statuses"),
    path(_S + "rules/", sources.source_rules, name="source_rules"),
    path(_S + "sync/", sources.source_sync, name="source_sync"),
    path(_S + "test/", sources.source_test, name="source_test"),
    path(_S + "import/", sources.source_import, name="source_import"),
    path(_S + "read/", sources.source_read_repository, name="source_read_repository"),
    path(_S + "runs/", sources.source_runs, name="source_runs"),
    path(_S + "delete/", sources.source_delete, name="source_delete"),
    # Records of an engagement
    path(_E + "work-items/", records.work_items, name="work_items"),
    path(_E + "pull-requests/", records.pull_requests, name="pull_requests"),
    path(_E + "deployments/", records.deployments, name="deployments"),
    path(_E + "incidents/", records.incidents, name="incidents"),
    path(_E + "commits/", records.commits, name="commits"),
    path(_E + "export/<slug:kind>.<slug:fmt>", records.export, name="export"),
    # People and their affiliations
    path("people/", people.people_list, name="people"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path(
        "people/<int:person_pk>/affiliations/<int:pk>/edit/",
        people.affiliation_edit,
        name="affiliation_edit",
    ),
    path(
        "people/<int:person_pk>/affiliations/<int:pk>/delete/",
        people.affiliation_delete,
        name="affiliation_delete",
    ),
    path("affiliation-rules/", people.affiliation_rules, name="affiliation_rules"),
    path(
        "affiliation-rules/<int:pk>/delete/",
        people.affiliation_rule_delete,
        name="affiliation_rule_delete",
    ),
]
