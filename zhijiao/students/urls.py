from django.urls import path

from . import views, views_accounts

app_name = "students"

urlpatterns = [
    path("", views.StudentListView.as_view(), name="student_list"),
    path("add/", views.StudentAddView.as_view(), name="student_add"),
    path("me/", views.MyRecordView.as_view(), name="me"),
    path("<int:pk>/", views.StudentDetailView.as_view(), name="student_detail"),
    path("accounts/bulk/", views_accounts.AccountsBulkView.as_view(), name="accounts_bulk"),
    path("<int:pk>/account/", views.StudentAccountView.as_view(), name="student_account"),
    path("<int:pk>/photo/", views.StudentPhotoView.as_view(), name="student_photo"),
    path("<int:pk>/photo/file/", views.StudentPhotoFileView.as_view(), name="student_photo_file"),
    path("photos/import/", views.PhotoImportView.as_view(), name="photo_import"),
    path("statistics/", views.RegistryStatisticsView.as_view(), name="statistics"),
    path("<int:pk>/status-change/", views.StatusChangeAddView.as_view(), name="change_add"),
    path("batches/", views.BatchListView.as_view(), name="batch_list"),
    path("batches/add/", views.BatchAddView.as_view(), name="batch_add"),
    path("batches/<int:pk>/", views.BatchDetailView.as_view(), name="batch_detail"),
    path("term-registration/", views.TermRegistrationReportView.as_view(), name="term_registration"),
    path("status-changes/", views.StatusChangeListView.as_view(), name="change_list"),
    path("status-changes/<int:pk>/", views.StatusChangeDetailView.as_view(), name="change_detail"),
    path("graduation-lists/", views.GraduationListListView.as_view(), name="graduation_list_list"),
    path("graduation-lists/add/", views.GraduationListAddView.as_view(), name="graduation_list_add"),
    path(
        "graduation-lists/<int:pk>/", views.GraduationListDetailView.as_view(), name="graduation_list_detail"
    ),
]
