"""``/autocomplete/<source>/``: the suggestions of one choice source for the signed-in user (JSON)."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, JsonResponse
from django.views import View

from zhijiao.core.autocomplete import SOURCES, parse_forwarded, search

_loaded: list[bool] = []


def load_sources() -> None:
    """Import every app's ``autocomplete.py`` once (they ``register`` their sources)."""
    if _loaded:
        return
    for config in apps.get_app_configs():
        if config.name.startswith("zhijiao."):
            name = f"{config.name}.autocomplete"
            if find_spec(name) is not None:
                import_module(name)
    _loaded.append(True)


class AutocompleteView(LoginRequiredMixin, View):
    def get(self, request, source: str):
        load_sources()
        found = SOURCES.get(source)
        if found is None:
            raise Http404
        results, more = search(
            found,
            user=request.user,
            query=request.GET.get("q", ""),
            forwarded=parse_forwarded(found, request.GET),
        )
        response = JsonResponse({"results": results, "more": more})
        response["Cache-Control"] = "private, no-store"  # the suggestions are the user's scope
        return response
