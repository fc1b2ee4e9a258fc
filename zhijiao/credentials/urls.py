from django.urls import path

from . import views

app_name = "credentials"

urlpatterns = [
    path("", views.CertificateListView.as_view(), name="certificate_list"),
    path("<int:pk>/", views.CertificateDetailView.as_view(), name="certificate_detail"),
    path("<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("<int:pk>/print/", views.certificate_print, name="certificate_print"),
    path("<int:pk>/<str:verb>/", views.certificate_action, name="certificate_action"),
    path("issue/", views.issue, name="issue"),
    path("print/", views.print_batch, name="print_batch"),
    path("print/jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("print/jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("publish/", views.publish, name="publish"),
    path("my/", views.my_credentials, name="my"),
    path("my/reports/<int:pk>/pdf/", views.my_report_pdf, name="my_report_pdf"),
]
