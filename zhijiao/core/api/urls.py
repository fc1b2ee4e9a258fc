"""/api/v1/: one router; every app adds its viewsets through ``AppConfig.api_routes``.

``api_routes`` names a ``register(router)`` function (``"zhijiao.<app>.api.routes.register"``) that
calls ``router.register(prefix, ViewSet, basename=…)`` with kebab-case plural prefixes
(``offered-majors``). Apps are read in INSTALLED_APPS order.
"""

from django.urls import URLPattern, include, path
from rest_framework import routers

from ..contributions import contributed_callables
from .views import ScopedViewSetMixin


class APIRootView(routers.APIRootView):
    """The index of /api/v1/: the same authentication (and 401 challenge) as every endpoint."""

    authentication_classes = ScopedViewSetMixin.authentication_classes
    throttle_classes = ScopedViewSetMixin.throttle_classes


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()


def _register_apps() -> None:
    for register in contributed_callables("api_routes"):
        register(router)


_register_apps()
# Endpoints called at high rates (a viewset with ``hot_path = True``, e.g. students' check-ins)
# resolve first: Django tries URL patterns in order, and walking ~180 patterns costs a request
# about a third of a millisecond.
router.registry.sort(key=lambda entry: not getattr(entry[1], "hot_path", False))


def _wrapped(patterns):
    """A viewset's ``wrap_collection_view`` (e.g. check-ins' plain-view fast path for token POSTs)
    wraps its collection route's view; every other route is the router's own."""
    out = []
    for pattern in patterns:
        cls = getattr(pattern.callback, "cls", None)
        wrap = getattr(cls, "wrap_collection_view", None)
        if wrap is not None and pattern.callback.initkwargs.get("suffix") == "List":
            pattern = URLPattern(pattern.pattern, wrap(pattern.callback), pattern.default_args, pattern.name)
        out.append(pattern)
    return out


def _lifecycle_action():
    from .lifecycle import LifecycleActionView

    return LifecycleActionView.as_view()


urlpatterns = [
    path(
        "lifecycle/<str:lifecycle>/<int:pk>/<str:transition>/",
        _lifecycle_action(),
        name="api-lifecycle-action",
    ),
    path("", include(_wrapped(router.urls))),
]
