from django.urls import path

from . import views

app_name = "majors"

urlpatterns = [
    path("", views.MajorListView.as_view(), name="major_list"),
    path("<int:pk>/", views.MajorDetailView.as_view(), name="major_detail"),
    path("offered/", views.OfferingListView.as_view(), name="offering_list"),
    path("offered/add/", views.OfferingEditView.as_view(), name="offering_add"),
    path("offered/<int:pk>/", views.OfferingDetailView.as_view(), name="offering_detail"),
    path("offered/<int:pk>/edit/", views.OfferingEditView.as_view(), name="offering_edit"),
    path("offered/<int:pk>/delete/", views.OfferingDeleteView.as_view(), name="offering_delete"),
]
