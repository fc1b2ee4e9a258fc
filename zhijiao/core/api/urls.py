"""/api/v1/: one router; every app adds its viewsets from ``<app>/api/routes.py``.

An app's ``api/routes.py`` defines ``register(router)`` and calls ``router.register(prefix,
ViewSet, basename=…)`` with kebab-case plural prefixes (``offered-majors``). Apps are discovered
from INSTALLED_APPS in their order, so a new app only adds its own ``api/routes.py``.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.urls import URLPattern, include, path
from rest_framework import routers

from .views import ScopedViewSetMixin


class APIRootView(routers.APIRootView):
    """The index of /api/v1/: the same authentication (and 401 challenge) as every endpoint."""

    authentication_classes = ScopedViewSetMixin.authentication_classes
    throttle_classes = ScopedViewSetMixin.throttle_classes


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


router = Router()


def _register_apps() -> None:
    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        module_name = f"{config.name}.api.routes"
        try:
            found = find_spec(module_name) is not None
        except ModuleNotFoundError:  # the app has no api package
            found = False
        if found:
            import_module(module_name).register(router)


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
