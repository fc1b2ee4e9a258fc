"""Shared checks for page tests: anonymous redirect, XLSX parsing, constant query counts."""

from __future__ import annotations

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assert_login_redirect(client, url: str) -> None:
    client.logout()
    response = client.get(url)
    assert response.status_code == 302, (url, response.status_code)
    assert "next=" in response["Location"]


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    body = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(body), read_only=True)
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def assert_constant_queries(client, url: str, grow, budget: int, django_assert_max_num_queries) -> None:
    """The page runs the same number of queries (≤ budget) before and after ``grow()`` adds rows."""
    before = query_count(client, url)
    grow()
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200
    after = query_count(client, url)
    assert before == after, f"{url}: {before} queries with few rows, {after} with more (N+1?)"


def list_pages() -> list[tuple[str, type]]:
    """(path, view class) of every ObjectListView page without arguments in its URL."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from zhijiao.core.views.generic import ObjectListView

    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "view_class", None)
                route = prefix + str(p.pattern)
                if cls and issubclass(cls, ObjectListView) and "<" not in route:
                    found.append(("/" + route.lstrip("^").rstrip("$"), cls))

    walk(get_resolver().url_patterns, "")
    return found
