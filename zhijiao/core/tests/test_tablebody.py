"""The table body written in Python (core.tablebody) is the body django-tables2's template writes.

Every list page's table is rendered twice over the same rows of the scope matrix's world — once by
django-tables2's own bootstrap5 template (its ``{% for %}`` over ``row.items``), once by the
platform's ``includes/table.html`` (``{% table_body %}``) — and the two ``<tbody>`` must be the same
markup: links, choices by label, dates, 是/否, empty cells, attributes.
"""

import inspect
import re
from datetime import date, datetime

import django_tables2 as tables
import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone

from zhijiao.core.tablebody import _signatures, install_cached_signature
from zhijiao.core.testing_scope import build_world
from zhijiao.core.tests.views_helpers import list_pages

pytestmark = pytest.mark.django_db

_STOCK = Template('{% load django_tables2 %}{% render_table table "django_tables2/bootstrap5.html" %}')
_OURS = Template('{% load django_tables2 %}{% render_table table "includes/table.html" %}')


def _tbody(html: str) -> str:
    body = re.search(r"<tbody.*?</tbody>", html, re.S)
    assert body, html[:500]
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', body.group(0))
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", text)).replace(" >", ">")


def _render(template, table_class, rows, request) -> str:
    table = table_class(rows)
    return _tbody(template.render(RequestContext(request, {"table": table})))


def test_every_list_table_body_is_the_stock_markup(client):
    world = build_world()
    client.force_login(world["superuser"])
    compared = 0
    tables_with_rows = set()
    for path, _view in list_pages():
        response = client.get(path)
        assert response.status_code == 200, path
        table = response.context["table"]
        request = response.wsgi_request
        rows = [row.record for row in table.paginated_rows]
        stock = _render(_STOCK, type(table), rows, request)
        ours = _render(_OURS, type(table), rows, request)
        assert ours == stock, f"{path}:\nstock {stock[:800]}\nours  {ours[:800]}"
        # The page's own table (sorted, date cells kept whole) as the stock template writes it.
        page_stock = _tbody(_STOCK.render(RequestContext(request, {"table": table})))
        assert _tbody(response.content.decode()) == page_stock, path
        compared += 1
        if rows:
            tables_with_rows.add(type(table).__name__)
    assert compared >= 15
    # The comparison means something only over real rows: most tables of the world have some.
    assert len(tables_with_rows) >= 10, tables_with_rows


class _Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class _Dated(tables.Table):
    day = tables.DateColumn()
    moment = tables.DateTimeColumn()
    long_day = tables.DateColumn(short=False)
    flag = tables.BooleanColumn()
    name = tables.Column(attrs={"td": {"class": lambda record: f"row-{record.pk}"}})
    note = tables.Column(default="—")

    def render_note(self, value, record):
        return f"{value}/{record.pk}"


def test_dates_times_defaults_and_row_dependent_attributes_match_the_stock_markup():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    rows = [
        _Row(
            pk=1,
            day=date(2026, 9, 1),
            moment=timezone.make_aware(datetime(2026, 12, 5, 23, 30)),
            long_day=date(2026, 1, 2),
            flag=True,
            name="<b>王芳</b>",
            note="甲",
        ),
        _Row(pk=2, day=None, moment=None, long_day=None, flag=False, name="李", note=None),
    ]
    stock = _render(_STOCK, _Dated, rows, request)
    ours = _render(_OURS, _Dated, rows, request)
    assert ours == stock
    assert "&lt;b&gt;王芳&lt;/b&gt;" in ours  # escaped, as the template escapes it
    assert 'class="row-1"' in ours and 'class="row-2"' in ours
    assert _render(_OURS, _Dated, [], request) == _render(_STOCK, _Dated, [], request)


def test_cached_signature_answers_what_django_tables2_would():
    from django_tables2 import utils

    install_cached_signature()
    original = inspect.getclosurevars(utils.signature).nonlocals["original"]

    class Thing:
        def method(self, value, record=None, **kwargs):
            return value

    def plain(a, *args, b=1):
        return a

    def anything(**kw):
        return kw

    for fn in (Thing().method, Thing.method, plain, anything, lambda record: record):
        assert utils.signature(fn) == original(fn)
        assert utils.signature(fn) == original(fn)  # and again, from the cache
    # A bound method and its function are told apart (the bound one drops ``self``).
    assert utils.signature(Thing().method)[0] == ("value", "record")
    assert utils.signature(Thing.method)[0] == ("self", "value", "record")
    assert Thing.method in _signatures
