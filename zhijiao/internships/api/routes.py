from . import views


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
