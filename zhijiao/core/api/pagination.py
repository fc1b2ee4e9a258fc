"""The list envelope of every API endpoint: ``{"count", "count_is_estimate", "next", "previous", "results"}``.

- ``?page=N`` (and ``?page_size=``, up to 500) works as before for pages within ``LIST_MAX_OFFSET``
  rows; a page past the end is a 404, a page deeper than that a 400 telling the caller to follow
  ``next``.
- ``?cursor=…`` is a keyset page: ``next``/``previous`` carry one once the numbered pages end, and
  a client that only follows ``next`` walks the whole list at constant cost per page, unaffected
  by rows inserted meanwhile. A cursor belongs to one sort (``?ordering=``): with another sort it
  is a 400.
- ``count`` is exact up to ``LIST_EXACT_COUNT_MAX`` rows; above that it is PostgreSQL's estimate and
  ``count_is_estimate`` is true (``zhijiao.core.listing``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from zhijiao.core import listing


class ScaledPagination(BasePagination):
    page_size = 50
    page_query_param = "page"
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    max_page_size = 500

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw else self.page_size
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        keys = listing.ordering_keys(queryset)
        self.count = listing.count_rows(queryset, for_page=True)
        cursor = request.query_params.get(self.cursor_query_param) or None
        raw_page = request.query_params.get(self.page_query_param)
        try:
            page = int(raw_page) if raw_page else 1
            if page < 1:
                raise ValueError(page)
        except ValueError:
            raise exceptions.NotFound(_("Invalid page.")) from None
        if not cursor and self.count.exact and page > 1 and (page - 1) * size >= self.count.value:
            raise exceptions.NotFound(_("Invalid page."))
        try:
            self.window = listing.paginate(
                queryset, per_page=size, count=self.count, page=page, cursor=cursor, keys=keys
            )
        except listing.InvalidCursor:
            raise exceptions.ValidationError(
                {"cursor": [_("Invalid cursor (or one made for another sort).")]}
            ) from None
        except listing.PageTooDeep:
            raise exceptions.ValidationError(
                {
                    "page": [
                        _("Pages deeper than %(rows)s rows have no numbers: follow the next link (a cursor).")
                        % {"rows": settings.LIST_MAX_OFFSET}
                    ]
                }
            ) from None
        if self.window.number and self.window.number > 1 and not self.window.rows:
            raise exceptions.NotFound(_("Invalid page."))
        return self.window.rows

    def _link(self, *, page=None, cursor=None) -> str | None:
        url = self.request.build_absolute_uri()
        if cursor is not None:
            url = remove_query_param(url, self.page_query_param)
            return replace_query_param(url, self.cursor_query_param, cursor)
        url = remove_query_param(url, self.cursor_query_param)
        if page == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, page)

    def get_next_link(self) -> str | None:
        w = self.window
        if w.next_page:
            return self._link(page=w.next_page)
        if w.next_cursor:
            return self._link(cursor=w.next_cursor)
        return None

    def get_previous_link(self) -> str | None:
        w = self.window
        if w.previous_page:
            return self._link(page=w.previous_page)
        if w.previous_cursor:
            return self._link(cursor=w.previous_cursor)
        return None

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.window.count.value,
                "count_is_estimate": not self.window.count.exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_is_estimate", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "description": "Rows in the list: exact up to LIST_EXACT_COUNT_MAX, else the database's estimate.",
                },
                "count_is_estimate": {
                    "type": "boolean",
                    "description": "True when `count` is an estimate (large lists are not counted row by row).",
                },
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page: `?page=` while pages are numbered, then `?cursor=`.",
                },
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number (pages reach LIST_MAX_OFFSET rows deep; deeper, follow `next`).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A keyset position from a `next`/`previous` link (for the same ordering).",
                "schema": {"type": "string"},
            },
        ]


# The name the settings used before keyset pages; kept for imports elsewhere.
StandardPagination = ScaledPagination
