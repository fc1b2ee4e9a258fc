from django.urls import path

from . import (
    views,
    views_batch,
    views_exceptions,
    views_files,
    views_incidents,
    views_inspections,
    views_vetting,
)

app_name = "internships"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/add/", views.PlanEditView.as_view(), name="plan_add"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/submit/", views.PlanSubmitView.as_view(), name="plan_submit"),
    path("plans/<int:plan_pk>/place/", views.PlacementAddView.as_view(), name="placement_add"),
    path("posts/", views.PostListView.as_view(), name="post_list"),
    path("posts/add/", views.PostEditView.as_view(), name="post_add"),
    path("posts/<int:pk>/edit/", views.PostEditView.as_view(), name="post_edit"),
    path("placements/", views.PlacementListView.as_view(), name="placement_list"),
    path("placements/<int:pk>/", views.PlacementDetailView.as_view(), name="placement_detail"),
    path("placements/<int:pk>/activate/", views.PlacementActivateView.as_view(), name="placement_activate"),
    path("placements/<int:pk>/check/", views.PlacementCheckView.as_view(), name="placement_check"),
    path("placements/<int:pk>/agreement/", views.AgreementView.as_view(), name="agreement"),
    path(
        "placements/<int:pk>/agreement/<slug:which>/",
        views_files.AgreementFileView.as_view(),
        name="agreement_file",
    ),
    path("placements/<int:pk>/insurance/", views.InsuranceView.as_view(), name="insurance"),
    path("placements/<int:pk>/mentor/", views.MentorView.as_view(), name="mentor"),
    path("placements/<int:pk>/grade/", views.GradeView.as_view(), name="grade"),
    path(
        "placements/<int:pk>/exceptions/add/",
        views_exceptions.RuleExceptionRequestView.as_view(),
        name="exception_request",
    ),
    path(
        "exceptions/<int:pk>/decide/",
        views_exceptions.RuleExceptionDecideView.as_view(),
        name="exception_decide",
    ),
    path("alerts/", views.AlertListView.as_view(), name="alert_list"),
    # 实习单位考察评估、名单公开、黑名单；岗前培训与审批 (views_vetting)
    path("hosts/assessments/", views_vetting.AssessmentListView.as_view(), name="assessment_list"),
    path("hosts/assessments/add/", views_vetting.AssessmentAddView.as_view(), name="assessment_add"),
    path(
        "hosts/assessments/<int:pk>/", views_vetting.AssessmentDetailView.as_view(), name="assessment_detail"
    ),
    path(
        "hosts/assessments/<int:pk>/edit/", views_vetting.AssessmentEditView.as_view(), name="assessment_edit"
    ),
    path(
        "hosts/assessments/<int:pk>/report/",
        views_vetting.AssessmentReportView.as_view(),
        name="assessment_report",
    ),
    path("hosts/published/", views_vetting.HostListView.as_view(), name="host_list"),
    path("hosts/blacklist/", views_vetting.BlacklistView.as_view(), name="blacklist_list"),
    path("hosts/blacklist/add/", views_vetting.BlacklistAddView.as_view(), name="blacklist_add"),
    path("hosts/blacklist/<int:pk>/lift/", views_vetting.BlacklistLiftView.as_view(), name="blacklist_lift"),
    # 重大事件直报 (views_incidents)
    path("incidents/", views_incidents.IncidentListView.as_view(), name="incident_list"),
    path("incidents/add/", views_incidents.IncidentAddView.as_view(), name="incident_add"),
    path("incidents/<int:pk>/", views_incidents.IncidentDetailView.as_view(), name="incident_detail"),
    path("incidents/<int:pk>/report/", views_incidents.IncidentReportView.as_view(), name="incident_report"),
    path(
        "incidents/<int:pk>/follow-up/",
        views_incidents.IncidentFollowUpView.as_view(),
        name="incident_follow_up",
    ),
    path("placements/<int:pk>/safety/", views_vetting.SafetyView.as_view(), name="safety"),
    path(
        "placements/<int:pk>/outside/approve/",
        views_vetting.OutsideApproveView.as_view(),
        name="outside_approve",
    ),
    path("my/", views.MyInternshipView.as_view(), name="my"),
    path("my/check-in/", views.CheckInView.as_view(), name="checkin"),
    path("my/reports/", views.ReportCreateView.as_view(), name="report_add"),
    path("my/direct-reports/", views.DirectReportCreateView.as_view(), name="direct_report_add"),
    path("my/pay/<int:pk>/confirm/", views.PayConfirmView.as_view(), name="pay_confirm"),
    path("worklist/", views.WorklistView.as_view(), name="worklist"),
    path("reports/<int:pk>/review/", views.ReportReviewView.as_view(), name="report_review"),
    path("direct-reports/", views.DirectReportListView.as_view(), name="direct_report_list"),
    path("direct-reports/<int:pk>/", views.DirectReportDetailView.as_view(), name="direct_report_detail"),
    path(
        "direct-reports/<int:pk>/respond/",
        views.DirectReportRespondView.as_view(),
        name="direct_report_respond",
    ),
    # 专项检查 (views_inspections)
    path("inspections/", views_inspections.InspectionListView.as_view(), name="inspection_list"),
    path("inspections/launch/", views_inspections.InspectionLaunchView.as_view(), name="inspection_launch"),
    path("inspections/<int:pk>/", views_inspections.InspectionDetailView.as_view(), name="inspection_detail"),
    path(
        "inspections/<int:pk>/close/",
        views_inspections.InspectionCloseView.as_view(),
        name="inspection_close",
    ),
    path(
        "inspections/<int:pk>/report.<str:kind>",
        views_inspections.InspectionReportView.as_view(),
        name="inspection_report",
    ),
    path(
        "inspections/items/<int:pk>/answer/",
        views_inspections.InspectionAnswerView.as_view(),
        name="inspection_answer",
    ),
    path(
        "inspections/items/<int:pk>/finding/",
        views_inspections.InspectionFindingView.as_view(),
        name="inspection_finding",
    ),
    path(
        "inspections/items/<int:pk>/rectify/",
        views_inspections.InspectionRectifyView.as_view(),
        name="inspection_rectify",
    ),
    path(
        "inspections/items/<int:pk>/evidence/",
        views_inspections.InspectionEvidenceView.as_view(),
        name="inspection_evidence",
    ),
    # Batch work on placements (views_batch)
    path(
        "placements/<int:pk>/changes/", views_batch.PlacementChangesView.as_view(), name="placement_changes"
    ),
    path("placements/<int:pk>/change-post/", views_batch.PostChangeView.as_view(), name="post_change"),
    path("placements/<int:pk>/terminate/", views_batch.TerminateView.as_view(), name="terminate"),
    path("placements/<int:pk>/handbook.pdf", views_batch.HandbookPdfView.as_view(), name="handbook_pdf"),
    path("my/leave/", views_batch.MyLeaveView.as_view(), name="my_leave"),
    path("teachers/", views_batch.TeacherCountsView.as_view(), name="teacher_counts"),
]
