from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from zhijiao.core.api.docs import SwaggerView

handler400 = "zhijiao.core.views.errors.bad_request"
handler403 = "zhijiao.core.views.errors.permission_denied"
handler404 = "zhijiao.core.views.errors.page_not_found"
handler500 = "zhijiao.core.views.errors.server_error"

urlpatterns = [
    # The API first: its requests resolve without walking every page pattern.
    path("api/v1/", include("zhijiao.core.api.urls")),
    # The public lookup next: the busiest page, resolved before the ~200 staff page patterns.
    path("verify/", include("zhijiao.credentials.urls_public")),
    path("", include("zhijiao.core.urls")),
    path("accounts/", include("zhijiao.accounts.urls")),
    path("", include("zhijiao.orgs.urls")),
    path("majors/", include("zhijiao.majors.urls")),
    path("enterprises/", include("zhijiao.enterprises.urls")),
    path("imports/", include("zhijiao.core.imports.urls")),
    path("workplan/", include("zhijiao.workplan.urls")),
    path("students/", include("zhijiao.students.urls")),
    path("approvals/", include("zhijiao.workflows.urls")),
    path("credentials/", include("zhijiao.credentials.urls")),
    path("internships/", include("zhijiao.internships.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.ADMIN_ENABLED:
    urlpatterns.append(path("django-admin/", admin.site.urls))
