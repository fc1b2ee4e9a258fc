from django.urls import path

from . import views

app_name = "workflows"

urlpatterns = [
    path("", views.WorklistView.as_view(), name="worklist"),
    path("all/", views.RequestListView.as_view(), name="request_list"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
]
