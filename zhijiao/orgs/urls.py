"""Region and institution pages, one "orgs" namespace.

Mounted at the site root (``path("", include("zhijiao.orgs.urls"))``): two includes sharing the
app name "orgs" would hide one another, so both prefixes live here.
"""

from django.urls import path

from . import views

app_name = "orgs"

urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("institutions/", views.InstitutionListView.as_view(), name="institution_list"),
    path("institutions/add/", views.InstitutionEditView.as_view(), name="institution_add"),
    path("institutions/<int:pk>/", views.InstitutionDetailView.as_view(), name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.InstitutionEditView.as_view(), name="institution_edit"),
    path("institutions/<int:pk>/delete/", views.InstitutionDeleteView.as_view(), name="institution_delete"),
]
