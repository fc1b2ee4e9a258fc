"""``/autocomplete/<source>/``: the suggestions of one choice source for the signed-in user (JSON)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, JsonResponse
from django.views import View

from zhijiao.core.autocomplete import SOURCES, parse_forwarded, search
from zhijiao.core.contributions import import_contributed_modules

_loaded: list[bool] = []


def load_sources() -> None:
    """Import every app's ``AppConfig.autocomplete`` module once (they ``register`` their sources)."""
    if _loaded:
        return
    import_contributed_modules("autocomplete")
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
