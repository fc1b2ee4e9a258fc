"""The data-set editor: drafts and published versions, edits checked whole, YAML round trip,
expressions checked as typed, province-only pages; and the fixes of issue 14's item 4."""

import datetime

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhijiao.core.models import AuditEntry
from zhijiao.reporting import definitions
from zhijiao.reporting import services_editor as editor
from zhijiao.reporting.models import DataSet, DataValue, Period
from zhijiao.reporting.services import submission_open, submission_save_values

from .conftest import SMALL

ELEMENT = {
    "section": "main",
    "code": "teachers",
    "name": "教师数",
    "type": "integer",
    "unit": "人",
    "min": "0",
    "max": "500",
    "required": "on",
}


@pytest.fixture
def draft(world):
    return editor.dataset_create(
        actor=world["province_admin"], code="staff", name="教职工", period_type="year"
    )


def _period(data_set, code="2021"):
    return Period.objects.create(
        data_set=data_set,
        code=code,
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )


# --- item 4 -------------------------------------------------------------------------------------


def test_option_codes_may_start_with_a_digit():
    data = yaml.safe_load(SMALL)
    data["categories"].append(
        {
            "code": "grade",
            "name": "年级",
            "options": [{"code": "1", "name": "一年级"}, {"code": "2", "name": "二"}],
        }
    )
    assert definitions.check(data) == []


def test_an_invalid_code_is_not_also_used_twice():
    data = yaml.safe_load(SMALL)
    data["categories"][0]["options"] = [{"code": "A", "name": "甲"}, {"code": "B-", "name": "乙"}]
    errors = definitions.check(data)
    assert len(errors) == 2 and not any("twice" in e for e in errors)
    data = yaml.safe_load(SMALL)
    data["categories"][0]["options"] = [{"code": "x", "name": "甲"}, {"code": "x", "name": "乙"}]
    assert any("“x” is used twice" in e for e in definitions.check(data))


def test_a_save_that_changes_nothing_is_a_no_op(world, period):
    sub = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    sub = submission_save_values(
        actor=world["school_a"], submission=sub, values={("teachers_total", ""): "9"}, revision=0
    )
    assert sub.revision == 1
    audits = AuditEntry.objects.count()
    again = submission_save_values(
        actor=world["school_a"], submission=sub, values={("teachers_total", ""): " 9 "}, revision=1
    )
    assert again.revision == 1 and AuditEntry.objects.count() == audits


# --- drafts and published versions ------------------------------------------------------------


def test_create_edit_publish_and_a_new_draft(world, draft):
    admin = world["province_admin"]
    assert draft.is_draft and draft.data_set.current_version() is None
    data = editor.element_put(
        draft.definition, section="main", element={"code": "teachers", "name": "教师数", "type": "integer"}
    )
    draft = editor.version_save(actor=admin, version=draft, data=data)
    assert list(draft.elements.values_list("code", flat=True)) == ["teachers"]
    editor.version_publish(actor=admin, version=draft)
    draft.refresh_from_db()
    assert not draft.is_draft and draft.data_set.current_version() == draft
    with pytest.raises(ValidationError, match="published and never changes"):
        editor.version_save(actor=admin, version=draft, data=data)
    v2 = editor.version_draft(actor=admin, data_set=draft.data_set)
    assert (v2.number, v2.is_draft, v2.definition["version"]) == (2, True, 2)
    assert editor.version_draft(actor=admin, data_set=draft.data_set) == v2  # one open draft
    assert draft.data_set.current_version() == draft  # the draft is reported on by no one


def test_a_new_version_never_reinterprets_collected_data(world, version, period):
    admin = world["province_admin"]
    sub = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={("teachers_total", ""): "9", ("mode", ""): "day"},
        revision=0,
    )
    v2 = editor.version_draft(actor=admin, data_set=version.data_set)
    data = editor.element_remove(v2.definition, "mode")
    data = editor.rule_remove(data, "ft_le_total")
    data = editor.element_put(
        data,
        section="main",
        element={"code": "teachers_total", "name": "教职工总数", "type": "number", "max": 10},
        replacing="teachers_total",
    )
    editor.version_save(actor=admin, version=v2, data=data)
    editor.version_publish(actor=admin, version=v2)
    sub.refresh_from_db()
    version.refresh_from_db()
    assert sub.version == version and version.elements.count() == 6
    total = version.elements.get(code="teachers_total")
    assert (total.name, total.value_type, total.max_value) == ("教师总数", "integer", 5000)
    values = dict(DataValue.objects.filter(submission=sub).values_list("element__code", "value"))
    assert values == {"teachers_total": "9", "mode": "day"}
    assert DataValue.objects.filter(submission=sub, element__version=version).count() == 2
    # A new school's form is opened under version 2.
    other = submission_open(actor=world["school_b"], institution=world.school_b, period=period)
    assert other.version == v2 and not v2.elements.filter(code="mode").exists()


def test_a_bad_edit_changes_nothing(world, draft):
    data = editor.rule_put(draft.definition, code="r1", expression="ghost > 1", message="m")
    with pytest.raises(ValidationError) as caught:
        editor.version_save(actor=world["province_admin"], version=draft, data=data)
    assert "“ghost” is not a numeric element" in " ".join(caught.value.messages)
    draft.refresh_from_db()
    assert "rules" not in draft.definition


def test_only_the_province_edits(world, draft):
    for who in ("jinan", "school_a"):
        with pytest.raises(Exception):  # noqa: B017,PT011 - PermissionDenied
            editor.version_save(actor=world[who], version=draft, data=draft.definition)
        with pytest.raises(Exception):  # noqa: B017,PT011
            editor.dataset_create(actor=world[who], code="x", name="x", period_type="year")


def test_yaml_round_trip(world, version):
    """Export → import into a draft gives an equal definition."""
    admin = world["province_admin"]
    text = definitions.definition_export(version)
    v2 = editor.version_draft(actor=admin, data_set=version.data_set)
    v2 = editor.version_save(
        actor=admin, version=v2, data=editor.section_put(v2.definition, code="x", name="x")
    )
    editor.version_import(actor=admin, version=v2, text=text)
    v2.refresh_from_db()
    assert {**v2.definition, "version": 1} == version.definition
    assert yaml.safe_load(definitions.definition_export(v2)) == {**version.definition, "version": 2}
    with pytest.raises(ValidationError, match="this file defines"):
        editor.version_import(
            actor=admin, version=v2, text=text.replace("code: teachers\n", "code: other\n", 1)
        )


# --- the pages --------------------------------------------------------------------------------


def test_the_editor_pages(world, login, client, draft):
    login(world["province_admin"])
    assert client.get(reverse("reporting:editor")).status_code == 200
    url = reverse("reporting:editor_version", args=[draft.pk])
    assert client.get(url).status_code == 200
    r = client.post(reverse("reporting:editor_edit", args=[draft.pk, "element"]), ELEMENT)
    assert r.status_code == 302
    draft.refresh_from_db()
    element = draft.elements.get(code="teachers")
    assert (element.value_type, element.max_value, element.required) == ("integer", 500, True)
    page = client.get(url + "?edit=element:teachers").content.decode()
    assert 'value="teachers"' in page and "Edit the data element" in page
    # A bad value is refused with the form re-shown, nothing changed.
    r = client.post(
        reverse("reporting:editor_edit", args=[draft.pk, "element"]), {**ELEMENT, "min": "9", "max": "1"}
    )
    assert r.status_code == 400 and "The maximum is below the minimum." in r.content.decode()
    r = client.post(
        reverse("reporting:editor_edit", args=[draft.pk, "category"]),
        {"code": "grade", "name": "年级", "options": "1=一年级\n2=二年级"},
    )
    assert r.status_code == 302
    r = client.post(
        reverse("reporting:editor_edit", args=[draft.pk, "rule"]),
        {"code": "r1", "expression": "teachers <= 100", "message": "太多"},
    )
    assert r.status_code == 302
    r = client.post(reverse("reporting:editor_edit", args=[draft.pk, "rule"]), {"remove": "r1"})
    draft.refresh_from_db()
    assert r.status_code == 302 and not draft.rules.exists()
    export = client.get(reverse("reporting:editor_export", args=[draft.pk]))
    assert "teachers" in export.content.decode()
    assert client.post(reverse("reporting:editor_publish", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert not draft.is_draft
    r = client.post(reverse("reporting:editor_edit", args=[draft.pk, "element"]), {**ELEMENT, "name": "x"})
    assert r.status_code == 400 and "published and never changes" in r.content.decode()
    r = client.post(
        reverse("reporting:editor_period", args=[draft.pk]),
        {
            "code": "2022",
            "start": "2022-01-01",
            "end": "2022-12-31",
            "opens_on": "2022-11-01",
            "deadline": "2022-12-20",
        },
    )
    assert r.status_code == 302 and draft.data_set.periods.get().opens_on == datetime.date(2022, 11, 1)
    r = client.post(
        reverse("reporting:editor_period", args=[draft.pk]),
        {"code": "2023", "start": "2023-01-01", "end": "2022-12-31", "deadline": "2023-12-20"},
    )
    assert r.status_code == 400 and draft.data_set.periods.count() == 1


def test_expressions_are_checked_as_typed(world, login, client, version):
    login(world["province_admin"])
    v2 = editor.version_draft(actor=world["province_admin"], data_set=version.data_set)
    url = reverse("reporting:editor_expression", args=[v2.pk])
    ok = client.post(url, {"expression": "teachers_fulltime <= teachers_total"}).content.decode()
    assert "can be used" in ok
    for text, message in (
        ("_secret > 1", "may not begin with an underscore"),
        ("__import__('os')", "Only the functions sum, min, max, abs, round may be called"),
        ("teachers_total ** 2", "is not allowed"),
        ("mode > 1", "“mode” is not a numeric element"),
        ("teachers_total <", "cannot be read"),
    ):
        assert message in client.post(url, {"expression": text}).content.decode(), text


def test_expression_messages_are_chinese(world, login, client, version, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    login(world["province_admin"])
    v2 = editor.version_draft(actor=world["province_admin"], data_set=version.data_set)
    page = client.post(
        reverse("reporting:editor_expression", args=[v2.pk]),
        {"expression": "a ** 2"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "不允许" in page or "不能" in page


@pytest.mark.parametrize("who", ["jinan", "school_a"])
def test_other_roles_get_404(world, login, client, draft, who):
    login(world[who])
    for url in (
        reverse("reporting:editor"),
        reverse("reporting:editor_version", args=[draft.pk]),
        reverse("reporting:editor_export", args=[draft.pk]),
        reverse("reporting:editor_indicators"),
        reverse("reporting:editor_indicator_new"),
        reverse("reporting:editor_schemes"),
        reverse("reporting:editor_scheme_new"),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("reporting:editor_edit", args=[draft.pk, "section"]),
        reverse("reporting:editor_publish", args=[draft.pk]),
        reverse("reporting:editor_discard", args=[draft.pk]),
        reverse("reporting:editor_draft", args=[draft.data_set.pk]),
        reverse("reporting:editor_expression", args=[draft.pk]),
    ):
        assert client.post(url, {"code": "x", "name": "x"}).status_code == 404, url
    draft.refresh_from_db()
    assert draft.is_draft and len(draft.definition["sections"]) == 1


def test_anonymous_is_sent_to_sign_in(client, draft):
    r = client.get(reverse("reporting:editor_version", args=[draft.pk]))
    assert r.status_code == 302 and "login" in r.url


def test_discard_a_draft(world, login, client, draft):
    login(world["province_admin"])
    assert client.post(reverse("reporting:editor_discard", args=[draft.pk])).status_code == 302
    assert not DataSet.objects.filter(code="staff").exists()


def test_an_edit_from_a_stale_page_is_refused(world, login, client, draft):
    from zhijiao.reporting.views_editor import fingerprint

    login(world["province_admin"])
    page = client.get(reverse("reporting:editor_version", args=[draft.pk])).content.decode()
    base = fingerprint(draft.definition)
    assert f'name="base" value="{base}"' in page
    url = reverse("reporting:editor_edit", args=[draft.pk, "element"])
    assert client.post(url, {**ELEMENT, "base": base}).status_code == 302
    # A second person still on the old page adds another element: refused, nothing changed.
    r = client.post(url, {**ELEMENT, "code": "staff", "name": "职工", "base": base}, follow=True)
    assert "Someone changed this draft after you opened it" in r.content.decode()
    draft.refresh_from_db()
    assert list(draft.elements.values_list("code", flat=True)) == ["teachers"]


def test_prefill_sources_are_chosen_in_the_editor_for_any_data_set(world, login, client, draft):
    login(world["province_admin"])
    url = reverse("reporting:editor_edit", args=[draft.pk, "element"])
    page = client.get(reverse("reporting:editor_version", args=[draft.pk])).content.decode()
    assert "students.enrolled" in page and "credentials.issued" in page
    placed = {**ELEMENT, "code": "placed", "name": "实习人数", "prefill_source": "internships.placements"}
    r = client.post(url, {**placed, "prefill_major": "46"})
    assert r.status_code == 302
    r = client.post(
        url,
        {**placed, "code": "certs", "prefill_source": "credentials.issued", "prefill_kind": "graduation"},
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    elements = {e["code"]: e for s in draft.definition["sections"] for e in s["elements"]}
    assert elements["placed"]["prefill"] == {"source": "internships.placements", "major": "46"}
    assert elements["certs"]["prefill"] == {"source": "credentials.issued", "kind": "graduation"}
    edit = client.get(reverse("reporting:editor_version", args=[draft.pk]) + "?edit=element:placed")
    assert '<option value="internships.placements" selected>' in edit.content.decode()
    # Bad choices are refused with the form re-shown, nothing changed.
    for bad in (
        {**placed, "prefill_major": "4x"},
        {**placed, "type": "text"},
        {**placed, "prefill_kind": "graduation"},
        {**placed, "prefill_source": "students.nothing"},
    ):
        r = client.post(url, bad)
        assert r.status_code == 400, bad
    draft.refresh_from_db()
    elements = {e["code"]: e for s in draft.definition["sections"] for e in s["elements"]}
    assert elements["placed"]["prefill"] == {"source": "internships.placements", "major": "46"}
    # Removing the source in the editor removes the prefill.
    assert client.post(url, {**placed, "replacing": "placed", "prefill_source": ""}).status_code == 302
    draft.refresh_from_db()
    elements = {e["code"]: e for s in draft.definition["sections"] for e in s["elements"]}
    assert "prefill" not in elements["placed"]
