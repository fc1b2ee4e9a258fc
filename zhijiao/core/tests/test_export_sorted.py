"""Sorting a list and then exporting it: every list page, every sortable column, in the page's order.

The lists are found from the URL configuration (every ``ObjectListView``), so a new list is tested
without a new test.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from zhijiao.core.tests.views_helpers import xlsx_rows
from zhijiao.core.views.generic import ObjectListView
from zhijiao.orgs.models import Institution


def _list_views(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _list_views(pattern, ns)
        elif isinstance(pattern, URLPattern) and not pattern.pattern.converters:
            view = getattr(pattern.callback, "view_class", None)
            if view is not None and issubclass(view, ObjectListView):
                yield f"{namespace}{pattern.name}", view


LISTS = sorted(dict(_list_views()).items())


def test_the_lists_are_found():
    names = [name for name, _view in LISTS]
    assert "orgs:institution_list" in names and "internships:alert_list" in names
    assert len(names) >= 12


@pytest.mark.django_db
@pytest.mark.parametrize("name,view", LISTS, ids=[n for n, _v in LISTS])
def test_sort_then_export(world, login, name, view):
    client = login(world["province_admin"])
    url = reverse(name)
    table = view.table_class([])
    columns = [c.name for c in table.columns if c.orderable]
    assert columns, f"{name}: no sortable column"
    for column in columns:
        for sort in (column, f"-{column}"):
            response = client.get(url, {"sort": sort, "export": "xlsx"})
            assert response.status_code == 200, (name, sort, response.status_code)
            xlsx_rows(response)


@pytest.mark.django_db
def test_the_export_keeps_the_pages_order(world, login):
    client = login(world["province_admin"])
    url = reverse("orgs:institution_list")
    names = sorted(Institution.objects.values_list("name", flat=True))
    assert len(names) >= 2
    for sort, expected in (("name", names), ("-name", names[::-1])):
        rows = xlsx_rows(client.get(url, {"sort": sort, "export": "xlsx"}))
        column = rows[0].index(next(h for h in rows[0] if h in ("名称", "Name", "name", "学校名称")))
        assert [r[column] for r in rows[1:]] == expected, sort


@pytest.mark.django_db
def test_table_exports_show_booleans_as_yes_no(world, login):
    from zhijiao.majors.testing import catalogue_major

    catalogue_major(code="720101", name="护理")
    client = login(world["province_admin"])
    rows = xlsx_rows(client.get(reverse("majors:major_list"), {"export": "xlsx"}))
    cells = {c for r in rows[1:] for c in r}
    assert not cells & {True, False, "True", "False"}
    assert cells & {"是", "否"}
