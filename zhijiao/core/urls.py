from django.urls import path

from .lifecycle.views import urlpatterns as lifecycle_urlpatterns
from .views import audit, autocomplete, exports, health, home

app_name = "core"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("autocomplete/<str:source>/", autocomplete.AutocompleteView.as_view(), name="autocomplete"),
    path("audit/", audit.AuditListView.as_view(), name="audit_list"),
    path("audit/<int:pk>/", audit.AuditDetailView.as_view(), name="audit_detail"),
    path("exports/<int:pk>/", exports.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
urlpatterns += lifecycle_urlpatterns()
