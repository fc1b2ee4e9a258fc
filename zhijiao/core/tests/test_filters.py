"""Yes/no filters start at 全部 (all), in every filterset of the project."""

import importlib

import django_filters
import pytest
from django.apps import apps
from django.urls import reverse

from zhijiao.core.filters import YesNoSelect


def _filtersets():
    for config in apps.get_app_configs():
        if config.name.startswith("zhijiao."):
            try:
                importlib.import_module(f"{config.name}.filtersets")
            except ModuleNotFoundError:
                pass
    seen, todo = set(), [django_filters.FilterSet]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [fs for fs in seen if fs.__module__.startswith("zhijiao.")]


def test_every_yes_no_filter_uses_the_shared_widget():
    found = 0
    for filterset in _filtersets():
        for name, f in filterset.base_filters.items():
            if isinstance(f, django_filters.BooleanFilter):
                found += 1
                assert f.extra.get("widget") is YesNoSelect, f"{filterset.__name__}.{name}"
    assert found >= 6


def test_the_widget_offers_all_first_and_reads_true_false(english):
    widget = YesNoSelect()
    assert [str(label) for _v, label in widget.choices] == ["All", "Yes", "No"]
    assert widget.format_value(None) == "" and widget.format_value(True) == "true"
    assert widget.value_from_datadict({"x": "false"}, {}, "x") is False
    assert widget.value_from_datadict({}, {}, "x") is None


@pytest.mark.django_db
def test_a_list_page_shows_all_selected(world, login):
    page = login(world["province_admin"]).get(reverse("accounts:user_list")).content.decode()
    select = page.split('name="is_active"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>全部</option>' in select
    assert "未知" not in select
