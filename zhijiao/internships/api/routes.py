from . import views, views_records


def register(router) -> None:
    router.register("internship-plans", views.PlanViewSet, basename="internship-plan")
    router.register("internship-posts", views.PostViewSet, basename="internship-post")
    router.register("placements", views.PlacementViewSet, basename="placement")
    router.register("checkins", views.CheckInViewSet, basename="checkin")
    router.register("internship-reports", views.ReportViewSet, basename="internship-report")
    router.register("direct-reports", views.DirectReportViewSet, basename="direct-report")
    router.register("pay-records", views.PayRecordViewSet, basename="pay-record")
    router.register("internship-alerts", views.AlertViewSet, basename="internship-alert")
    router.register("inspections", views.InspectionViewSet, basename="inspection")
    router.register("internship-dashboard", views.DashboardViewSet, basename="internship-dashboard")
    # Records of host vetting, 直报 and the batch work (read only).
    router.register("host-assessments", views_records.HostAssessmentViewSet, basename="host-assessment")
    router.register("host-blacklist", views_records.BlacklistEntryViewSet, basename="host-blacklist")
    router.register("incidents", views_records.IncidentViewSet, basename="incident")
    router.register("leave-requests", views_records.LeaveRequestViewSet, basename="leave-request")
    router.register("post-changes", views_records.PostChangeViewSet, basename="post-change")
    router.register("early-terminations", views_records.EarlyTerminationViewSet, basename="early-termination")
