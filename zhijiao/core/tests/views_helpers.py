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
