"""The URL tree: the API, then every app's ``AppConfig.urls`` (``core.contributions``).

An app lists ``(prefix, "zhijiao.<app>.urls")`` pairs, or ``(prefix, module, order)`` triples where
the order of resolution matters (lower first, default 50; Django tries patterns in order).
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from zhijiao.core.api.docs import SwaggerView
from zhijiao.core.contributions import contributions

handler400 = "zhijiao.core.views.errors.bad_request"
handler403 = "zhijiao.core.views.errors.permission_denied"
handler404 = "zhijiao.core.views.errors.page_not_found"
handler500 = "zhijiao.core.views.errors.server_error"


def app_urlpatterns() -> list:
    entries = []
    for _config, urls in contributions("urls"):
        for prefix, module, *order in urls:
            entries.append((order[0] if order else 50, prefix, module))
    return [path(prefix, include(module)) for _order, prefix, module in sorted(entries, key=lambda e: e[0])]


urlpatterns = [
    # The API first: its requests resolve without walking every page pattern.
    path("api/v1/", include("zhijiao.core.api.urls")),
    *app_urlpatterns(),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.ADMIN_ENABLED:
    urlpatterns.append(path("django-admin/", admin.site.urls))
