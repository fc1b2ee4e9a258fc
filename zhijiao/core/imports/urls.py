from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportIndexView.as_view(), name="index"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/progress/", views.JobProgressView.as_view(), name="job_progress"),
    path("<slug:kind>/", views.ImportUploadView.as_view(), name="upload"),
    path("<slug:kind>/template.xlsx", views.ImportTemplateView.as_view(), name="template"),
]
