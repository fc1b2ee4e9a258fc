"""Yes/no filters start at 全部 (all), in every filterset of the project."""

import importlib

import django_filters
import pytest
from django.apps import apps
from django.urls import reverse

from zhijiao.core.filters import FilterSet, YesNoSelect


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
    return [fs for fs in seen if fs.__module__.startswith("zhijiao.") and fs is not FilterSet]


def test_every_filterset_derives_from_the_projects_base():
    others = [fs.__name__ for fs in _filtersets() if not issubclass(fs, FilterSet)]
    assert not others, f"derive from zhijiao.core.filters.FilterSet: {others}"


def test_labels_made_from_verbose_names_follow_the_language():
    """Read first in English (as the API schema does), the label is still Chinese on a Chinese page."""
    from django.utils import translation

    from zhijiao.internships.filtersets import AlertFilterSet

    with translation.override("en"):
        assert str(AlertFilterSet.base_filters["escalation_level"].label) == "Escalation level"
    with translation.override("zh-hans"):
        form = AlertFilterSet(data={}).form
        assert "Escalation" not in str(form["escalation_level"].label)


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


@pytest.mark.django_db
def test_an_english_api_schema_leaves_the_chinese_pages_chinese(world, login, settings):
    """The crawl once found "Escalation level" on 合规预警 after the schema was built in English."""
    from django.utils import translation

    client = login(world["province_admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        assert client.get("/api/schema/").status_code == 200
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    page = client.get(reverse("internships:alert_list")).content.decode()
    assert "Escalation" not in page
