import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.management import call_command

from zhijiao.core.models import AuditEntry
from zhijiao.reporting.definitions import check, definition_export, definition_load
from zhijiao.reporting.models import DataSet, DataSetVersion

from .conftest import SMALL


def test_load_builds_the_version(version):
    assert version.number == 1
    assert [s.code for s in version.sections.all()] == ["main"]
    ft = version.elements.get(code="teachers_fulltime")
    assert [c for c, _label in ft.cells()] == ["male", "female"]
    assert version.rules.get().expression == "teachers_fulltime <= teachers_total"
    assert AuditEntry.objects.filter(event="dataset.loaded").count() == 1


def test_export_reimports_identically(version, world):
    text = definition_export(version)
    assert yaml.safe_load(text) == yaml.safe_load(SMALL)
    again = definition_load(actor=world["province_admin"], text=text)
    assert again.elements.count() == 6  # an unused version is replaced in place
    assert DataSetVersion.objects.count() == 1


def test_only_the_province_loads(world):
    with pytest.raises(ValidationError):
        definition_load(actor=world["school_a"], text=SMALL)
    with pytest.raises(ValidationError):
        definition_load(actor=world["jinan"], text=SMALL)
    assert not DataSet.objects.exists()


def test_errors_name_where_and_nothing_is_written(world):
    data = yaml.safe_load(SMALL)
    data["sections"][0]["elements"][1]["type"] = "float"
    data["sections"][0]["elements"][0]["min"] = "abc"
    data["rules"][0]["expression"] = "__import__('os')"
    data["sections"][0]["elements"][2]["categories"] = ["grade"]
    errors = check(data)
    assert any(e.startswith("sections[0].elements[1].type") for e in errors)
    assert any(e.startswith("sections[0].elements[0].min") for e in errors)
    assert any(e.startswith("rules[0].expression") for e in errors)
    assert any(e.startswith("sections[0].elements[2].categories") for e in errors)
    with pytest.raises(ValidationError):
        definition_load(actor=world["province_admin"], text=yaml.safe_dump(data))
    assert not DataSetVersion.objects.exists()


def test_rule_must_read_numeric_elements():
    data = yaml.safe_load(SMALL)
    data["rules"][0]["expression"] = "mode <= teachers_total"
    assert any("mode" in e for e in check(data))


def test_messages_are_chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"):
        errors = check({"code": "X", "sections": []})
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in e) for e in errors)


def test_version_in_use_is_immutable(version, period, world):
    from zhijiao.reporting.services import submission_open

    submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    with pytest.raises(ValidationError, match="in use"):
        definition_load(actor=world["province_admin"], text=SMALL)
    v2 = definition_load(actor=world["province_admin"], text=SMALL.replace("version: 1", "version: 2"))
    assert v2.number == 2


def test_management_command(world, tmp_path, capsys):
    path = tmp_path / "ds.yaml"
    path.write_text(SMALL, encoding="utf-8")
    call_command("reporting_load", str(path))
    assert DataSet.objects.get(code="teachers").versions.count() == 1
    out = tmp_path / "out.yaml"
    call_command("reporting_load", str(out), "--export", "teachers")
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["code"] == "teachers"


def test_cell_keys_follow_the_element_s_order_of_categories(world):
    data = yaml.safe_load(SMALL)
    data["categories"].append(
        {"code": "title", "name": "职称", "options": [{"code": "senior", "name": "高级"}]}
    )
    data["sections"][0]["elements"][1]["categories"] = ["title", "gender"]
    version = definition_load(actor=world["province_admin"], text=yaml.safe_dump(data, allow_unicode=True))
    cells = version.elements.get(code="teachers_fulltime").cells()
    assert cells == [("senior.male", "高级 · 男"), ("senior.female", "高级 · 女")]
