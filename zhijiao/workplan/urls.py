from django.urls import path

from . import views

app_name = "workplan"

urlpatterns = [
    path("", views.board, name="board"),
    path("briefing/", views.briefing, name="briefing"),
    path("briefing.pdf", views.briefing_pdf, name="briefing_pdf"),
    path("timeline/", views.timeline, name="timeline"),
    path("plans/<int:pk>/copy/", views.plan_copy_view, name="plan_copy"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("tasks/<int:pk>/reports/", views.report_add, name="report_add"),
    path("tasks/<int:pk>/assignments/", views.assignment_add, name="assignment_add"),
    path("tasks/<int:pk>/dependencies/", views.dependency_add, name="dependency_add"),
    path("milestones/<int:pk>/", views.milestone_update, name="milestone_update"),
    path("targets/<int:pk>/", views.target_actual, name="target_actual"),
    path("targets/<int:pk>/indicator/", views.target_indicator, name="target_indicator"),
    path("reports/<int:pk>/acknowledge/", views.report_acknowledge, name="report_acknowledge"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("worklist/", views.worklist, name="worklist"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/answer/", views.assignment_answer, name="assignment_answer"),
    path("assignments/<int:pk>/pass-on/", views.assignment_pass_on, name="assignment_pass_on"),
    path("inbox/", views.inbox, name="inbox"),
    path("forums/", views.forums, name="forums"),
]
