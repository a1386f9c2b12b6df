from django.urls import path

from accord.selection import views

app_name = "selection"

urlpatterns = [
    path("", views.evaluation_list, name="list"),
    # "new", "portal" and "templates" are reserved slugs (actions.RESERVED_SLUGS).
    path("new/", views.evaluation_create, name="create"),
    path("portal/", views.portal, name="portal"),
    path("portal/<int:pk>/", views.portal_checklist, name="portal_checklist"),
    path("portal/<int:pk>/items/<int:item_pk>/", views.portal_answer, name="portal_answer"),
    path("<slug:slug>/", views.evaluation_detail, name="detail"),
    path("<slug:slug>/edit/", views.evaluation_edit, name="edit"),
    path("<slug:slug>/evaluators/", views.evaluator_add, name="evaluator_add"),
    path("<slug:slug>/criteria/", views.criteria, name="criteria"),
    path("<slug:slug>/criteria/weights/", views.weights_save, name="weights_save"),
    path("<slug:slug>/criteria/template/", views.template_save, name="template_save"),
    path("<slug:slug>/criteria/add/", views.criterion_add, name="criterion_add"),
    path("<slug:slug>/criteria/<int:pk>/edit/", views.criterion_edit, name="criterion_edit"),
    path("<slug:slug>/criteria/<int:pk>/delete/", views.criterion_delete, name="criterion_delete"),
    path("<slug:slug>/candidates/", views.candidate_add, name="candidate_add"),
    path("<slug:slug>/candidates/<int:pk>/", views.candidate_detail, name="candidate"),
    path("<slug:slug>/candidates/<int:pk>/log/", views.communication_add, name="communication_add"),
    path("<slug:slug>/candidates/<int:pk>/invite/", views.candidate_invite, name="invite"),
    path("<slug:slug>/flags/", views.flags_refresh, name="flags_refresh"),
    path("<slug:slug>/flags/<int:pk>/override/", views.flag_override, name="flag_override"),
    path("<slug:slug>/score/", views.score, name="score"),
    path("<slug:slug>/score/submit/", views.score_submit, name="score_submit"),
    path("<slug:slug>/ranking/", views.ranking, name="ranking"),
    path("<slug:slug>/ranking/what-if/", views.what_if, name="what_if"),
    path("<slug:slug>/decision/", views.decision, name="decision"),
    path("<slug:slug>/decision/engagement/", views.engagement_create, name="engagement_create"),
    path("<slug:slug>/report/", views.report_html, name="report"),
    path("<slug:slug>/report.pdf", views.report_pdf, name="report_pdf"),
]
