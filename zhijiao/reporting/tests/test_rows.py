"""Row-list sections (``reporting.rows``): 中职毕业生就业去向 version 2 lists the school's graduates
from 学籍 (name and masked ID number only), a destination per graduate, the counts derived from the
rows (read-only) so that the rules, rollups and analytics read them as before; checked row by row
in Chinese naming the row, saved with the submission under its revision, scoped like it."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.core.lifecycle import fire
from zhijiao.reporting import definitions
from zhijiao.reporting.definitions import DefinitionError, definition_load
from zhijiao.reporting.models import DataValue, Fact, Period, Submission, SubmissionRow
from zhijiao.reporting.services import submission_open, submission_save_values
from zhijiao.students.models import Enrolment
from zhijiao.students.tests.factories import registered

from .test_services import approve_all

KEY = "reporting.submission"
V2 = (Path(definitions.__file__).parent / "data" / "zz_employment.yaml").read_text(encoding="utf-8")
V2 = V2.replace("reporters:\n  levels: [secondary]\n", "")
V1 = """
code: zz_employment
name: 中职毕业生就业去向
version: 1
period_type: year
categories:
  - code: destination
    name: 毕业去向
    options: [{code: employed, name: 直接就业}, {code: further, name: 升学}, {code: army, name: 参军入伍},
              {code: self, name: 自主创业}, {code: pending, name: 待就业}]
sections:
  - code: graduates
    name: 毕业生
    elements:
      - {code: graduates, name: 毕业生人数, type: integer, unit: 人, min: 0, max: 20000, required: true}
      - {code: destinations, name: 按毕业去向分的毕业生人数, type: integer, categories: [destination]}
  - code: quality
    name: 就业质量
    elements:
      - {code: matched, name: 对口就业人数, type: integer}
      - {code: starting_salary, name: 初次就业平均月收入, type: money}
      - {code: satisfaction, name: 用人单位满意度, type: percentage}
      - {code: remarks, name: 备注, type: text}
"""


def _graduates(world, school, names):
    students = [registered(world, school, name=n, entry=datetime.date(2018, 9, 1)) for n in names]
    enrolment = Enrolment.objects.filter(student=students[0]).first()
    return students, enrolment.cohort_year + enrolment.study_years


def _period(version, year):
    return Period.objects.create(
        data_set=version.data_set,
        code=str(year),
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )


@pytest.fixture
def graduates(world):
    students, year = _graduates(world, "a", ["王五", "张三", "李四"])
    registered(world, "a", name="在读生", entry=datetime.date(2024, 9, 1))  # not graduating this year
    _graduates(world, "b", ["外校生"])  # another school's graduate
    return students, year


@pytest.fixture
def sub(world, graduates):
    version = definition_load(actor=world["province_admin"], text=V2)
    return submission_open(
        actor=world["school_a"], institution=world.school_a, period=_period(version, graduates[1])
    )


def values(sub):
    return {
        (v.element.code, v.cell): v.value
        for v in DataValue.objects.filter(submission=sub).select_related("element")
    }


def rows_of(sub):
    return list(SubmissionRow.objects.filter(submission=sub).order_by("position"))


def test_opening_lists_the_schools_graduates_masked_and_derives_the_counts(world, graduates, sub):
    students, _year = graduates
    rows = rows_of(sub)
    assert [r.person_name for r in rows] == ["张三", "李四", "王五"]  # by name
    by_name = {s.name: s for s in students}
    for row in rows:
        full = by_name[row.person_name].id_number
        assert row.id_masked and row.id_masked != full and "*" in row.id_masked
        assert row.key.startswith("e") and row.values == {}
    got = values(sub)
    assert got[("graduates", "")] == "3"
    assert got[("destinations", "employed")] == "0" and got[("destinations", "pending")] == "0"
    assert sub.revision == 1


def _post(sub, choices: dict[str, dict]):
    return {"graduate_list": [(r.key, choices.get(r.person_name, {})) for r in rows_of(sub)]}


def test_destinations_saved_and_counts_derived(world, sub):
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={("satisfaction", ""): "90"},
        revision=sub.revision,
        rows=_post(
            sub,
            {
                "张三": {
                    "destination": "employed",
                    "employer": "济南某公司",
                    "matched": "yes",
                    "pay": "4000",
                },
                "李四": {"destination": "直接就业", "matched": "no", "pay": "3001"},  # a choice by its name
                "王五": {"destination": "further", "employer": "某职业学院"},
            },
        ),
    )
    got = values(sub)
    assert got[("graduates", "")] == "3"
    assert got[("destinations", "employed")] == "2" and got[("destinations", "further")] == "1"
    assert got[("matched", "")] == "1" and got[("starting_salary", "")] == "3500.5"
    assert got[("satisfaction", "")] == "90"
    assert {r.person_name: r.values.get("destination") for r in rows_of(sub)} == {
        "张三": "employed",
        "李四": "employed",
        "王五": "further",
    }
    assert sub.revision == 2


def test_bad_rows_name_the_row_and_nothing_is_saved(world, sub):
    revision = sub.revision
    with pytest.raises(ValidationError) as exc:
        submission_save_values(
            actor=world["school_a"],
            submission=sub,
            values={("satisfaction", ""): "90"},
            revision=revision,
            rows=_post(sub, {"李四": {"destination": "abroad", "pay": "-5"}}),
        )
    messages = [m for msgs in exc.value.message_dict.values() for m in msgs]
    assert any(m.startswith("Row 2 (李四)：毕业去向：") for m in messages), messages
    assert any(m.startswith("Row 2 (李四)：月收入：") for m in messages), messages
    assert not any(r.values for r in rows_of(sub)) and ("satisfaction", "") not in values(sub)
    # a derived count is computed, never typed
    with pytest.raises(ValidationError) as exc:
        submission_save_values(
            actor=world["school_a"], submission=sub, values={("graduates", ""): "9"}, revision=revision
        )
    assert "computed from the rows" in str(exc.value)
    # a row that is not in the list (another school's graduate, an invented key)
    with pytest.raises(ValidationError):
        submission_save_values(
            actor=world["school_a"],
            submission=sub,
            values={},
            revision=revision,
            rows={"graduate_list": [("e999999", {"destination": "employed"})]},
        )
    # a stale revision
    with pytest.raises(ValidationError, match="Someone saved this form"):
        submission_save_values(
            actor=world["school_a"], submission=sub, values={}, revision=revision - 1, rows=_post(sub, {})
        )
    assert values(sub)[("graduates", "")] == "3" and Submission.objects.get(pk=sub.pk).revision == revision


def test_an_incomplete_list_cannot_be_submitted_and_approval_counts_only(world, sub):
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={},
        revision=sub.revision,
        rows=_post(sub, {"张三": {"destination": "employed", "matched": "yes", "pay": "4000"}}),
    )
    with pytest.raises(ValidationError, match="各去向人数之和应等于毕业生人数"):
        fire(KEY, sub, "submit", actor=world["school_a"])
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={},
        revision=sub.revision,
        rows=_post(
            sub,
            {
                "张三": {"destination": "employed", "matched": "yes", "pay": "4000"},
                "李四": {"destination": "army"},
                "王五": {"destination": "pending"},
            },
        ),
    )
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    sub = approve_all(world, sub)
    facts = set(Fact.objects.filter(period=sub.period).values_list("element_code", flat=True))
    assert facts and facts <= {
        "graduates",
        "destinations",
        "matched",
        "starting_salary",
        "satisfaction",
        "remarks",
    }
    assert {"graduates", "destinations"} <= facts  # the derived counts are analysed as before


def test_form_page_scope_and_constant_queries(
    world, graduates, sub, client, login, django_assert_max_num_queries
):
    url = reverse("reporting:submission_form", args=[sub.pk])
    login(world["school_a"])
    page = client.get(url).content.decode()
    students, _year = graduates
    for s in students:
        assert s.name in page and s.id_number not in page
    first = rows_of(sub)[0]
    assert f'name="r__graduate_list__{first.key}__destination"' in page
    assert 'name="v__graduates__"' in page and "Computed from the list" in page
    r = client.post(
        url,
        {
            "revision": str(sub.revision),
            "rows__graduate_list": "1",
            f"r__graduate_list__{first.key}__destination": "employed",
            f"r__graduate_list__{first.key}__pay": "abc",
        },
    )
    assert r.status_code == 200 and "Row 1 (张三)：月收入：Enter a number." in r.content.decode()
    r = client.post(
        url,
        {
            "revision": str(sub.revision),
            "rows__graduate_list": "1",
            f"r__graduate_list__{first.key}__destination": "employed",
            f"r__graduate_list__{first.key}__pay": "3800",
        },
    )
    assert r.status_code == 302 and rows_of(sub)[0].values == {"destination": "employed", "pay": "3800"}
    # the city reviews it (read-only), another school and another city get 404
    login(world["jinan"])
    page = client.get(url).content.decode()
    assert "张三" in page and f'name="r__graduate_list__{first.key}__destination"' in page
    for who in ("school_b", "qingdao"):
        login(world[who])
        assert client.get(url).status_code == 404
        assert client.post(url, {"revision": "9", "rows__graduate_list": "1"}).status_code == 404
    # the number of queries does not grow with the rows
    login(world["school_a"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    more = [f"毕业生{i}" for i in range(30)]
    _graduates(world, "a", more)
    from zhijiao.reporting.services_prefill import submission_prefill

    assert submission_prefill(actor=world["school_a"], submission=Submission.objects.get(pk=sub.pk)) == 30
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "毕业生29" in page
    assert len(many) == len(few), (len(few), len(many))


def test_live_checks_name_the_row(world, sub, client, login):
    login(world["school_a"])
    first = rows_of(sub)[0]
    body = client.post(
        reverse("reporting:check", args=[sub.pk]),
        {"rows__graduate_list": "1", f"r__graduate_list__{first.key}__pay": "x"},
    ).content.decode()
    assert "Row 1 (张三)" in body and "Enter a number." in body
    assert "Still to fill in the list" in body and "毕业去向" in body
    assert "各去向人数之和应等于毕业生人数" in body  # the rule over the derived counts


def test_version_one_data_stay_as_they_are(world, graduates):
    _students, year = graduates
    v1 = definition_load(actor=world["province_admin"], text=V1)
    period = _period(v1, year)
    old = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    old = submission_save_values(
        actor=world["school_a"], submission=old, values={("graduates", ""): "120"}, revision=old.revision
    )
    v2 = definition_load(actor=world["province_admin"], text=V2)
    assert v2.number == 2 and Submission.objects.get(pk=old.pk).version == v1
    from zhijiao.reporting.services_prefill import submission_prefill

    submission_prefill(actor=world["school_a"], submission=Submission.objects.get(pk=old.pk))
    assert not SubmissionRow.objects.exists() and values(old)[("graduates", "")] == "120"
    # under version 1 the count is typed, as before
    old = submission_save_values(
        actor=world["school_a"], submission=old, values={("graduates", ""): "121"}, revision=old.revision
    )
    assert values(old)[("graduates", "")] == "121"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("graduates: {count: all}", "graduatez: {count: all}"),
        ("destinations: {count_by: destination}", "destinations: {count_by: employer}"),
        ("destinations: {count_by: destination}", "destinations: {count: all}"),
        ("starting_salary: {average: pay,", "starting_salary: {average: employer,"),
        ("prefill: graduates", "prefill: alumni"),
    ],
)
def test_definition_checks(world, change, message):
    with pytest.raises(DefinitionError):
        definition_load(actor=world["province_admin"], text=V2.replace(change, message))


def _workbook(sub):
    import io

    from openpyxl import load_workbook

    from zhijiao.reporting import xlsx

    return load_workbook(io.BytesIO(xlsx.template_bytes(Submission.objects.get(pk=sub.pk))))


def _upload(world, sub, wb):
    import io

    from zhijiao.reporting.services_xlsx import submission_upload

    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return submission_upload(
        actor=world["school_a"],
        submission=Submission.objects.get(pk=sub.pk),
        fileobj=buffer,
        filename="f.xlsx",
    )


def test_template_has_a_sheet_of_rows_that_loads_back(world, graduates, sub):
    students, _year = graduates
    wb = _workbook(sub)
    ws = wb["毕业生去向名单"]
    assert [c.value for c in ws[1]] == [
        "Row key",
        "Name",
        "ID number (masked)",
        "毕业去向",
        "就业单位或升学学校",
        "专业对口",
        "月收入",
    ]
    lines = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    assert set(lines) == {"张三", "李四", "王五"}
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row)
    assert all(s.id_number not in text for s in students)
    main = {r[0].value: r for r in wb.active.iter_rows(min_row=2)}
    assert main["graduates/"][4].value == 3 and main["graduates/"][4].protection.locked
    main["graduates/"][4].value = 99  # computed from the rows: ignored
    lines["张三"][3].value = "直接就业"
    lines["张三"][6].value = 4200
    lines["李四"][3].value = "升学"
    sub = _upload(world, sub, wb)
    got = values(sub)
    assert got[("graduates", "")] == "3" and got[("destinations", "employed")] == "1"
    assert got[("destinations", "further")] == "1" and got[("starting_salary", "")] == "4200"
    assert {r.person_name: r.values for r in rows_of(sub)}["张三"] == {
        "destination": "employed",
        "pay": "4200",
    }


def test_bad_rows_in_the_sheet_are_all_listed_and_nothing_is_saved(world, sub):
    wb = _workbook(sub)
    ws = wb["毕业生去向名单"]
    lines = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    lines["张三"][3].value = "出国"
    lines["李四"][6].value = "=1+2"
    lines["王五"][0].value = "e999999"  # a row not in the list
    ws.append([lines["张三"][0].value, "", "", "升学"])  # the same graduate twice
    ws.merge_cells("E2:F2")
    revision = Submission.objects.get(pk=sub.pk).revision
    with pytest.raises(ValidationError) as exc:
        _upload(world, sub, wb)
    text = " | ".join(exc.value.messages)
    assert "毕业生去向名单：Row 2 (张三)：毕业去向：Choose one of the listed options." in text
    assert "毕业生去向名单：Row 3：a formula is not accepted" in text
    assert "this cell is also on row 2" in text and "merged cells (E2:F2)" in text
    assert not any(r.values for r in rows_of(sub)) and Submission.objects.get(pk=sub.pk).revision == revision
    wb = _workbook(sub)
    ws = wb["毕业生去向名单"]
    next(r for r in ws.iter_rows(min_row=2) if r[1].value == "王五")[0].value = "e999999"
    with pytest.raises(ValidationError) as exc:
        _upload(world, sub, wb)
    assert "this row is not in the list" in " ".join(exc.value.messages)
    assert len(rows_of(sub)) == 3


def test_template_upload_and_checks_scope(world, sub, client, login):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile

    template = reverse("reporting:template_download", args=[sub.pk])
    upload = reverse("reporting:template_upload", args=[sub.pk])
    check = reverse("reporting:check", args=[sub.pk])
    wb = _workbook(sub)
    next(r for r in wb["毕业生去向名单"].iter_rows(min_row=2) if r[1].value == "张三")[3].value = "升学"
    buffer = io.BytesIO()
    wb.save(buffer)
    first = rows_of(sub)[0]
    for who in ("school_b", "qingdao"):
        login(world[who])
        assert client.get(template).status_code == 404
        assert (
            client.post(upload, {"file": SimpleUploadedFile("f.xlsx", buffer.getvalue())}).status_code == 404
        )
        r = client.post(check, {"rows__graduate_list": "1", f"r__graduate_list__{first.key}__pay": "1"})
        assert r.status_code == 404
    assert not any(r.values for r in rows_of(sub))
    login(world["jinan"])
    assert client.get(template).status_code == 200  # the city reviews the school's form
    login(world["school_a"])
    r = client.post(upload, {"file": SimpleUploadedFile("f.xlsx", buffer.getvalue())}, follow=True)
    assert "The template&#x27;s values were saved." in r.content.decode()
    assert rows_of(sub)[0].values == {"destination": "further"}


def test_diff_since_a_return_lists_the_rows_changed(world, sub, client, login):
    from zhijiao.reporting.diff import row_changes_since_return
    from zhijiao.reporting.services import submissions_decide

    everyone = {
        "张三": {"destination": "employed", "pay": "4000"},
        "李四": {"destination": "army"},
        "王五": {"destination": "pending"},
    }
    sub = submission_save_values(
        actor=world["school_a"], submission=sub, values={}, revision=sub.revision, rows=_post(sub, everyone)
    )
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    assert row_changes_since_return(sub) is None
    done, errors = submissions_decide(
        actor=world["jinan"], submissions=[sub], decision="return", reason="请核对"
    )
    assert done == 1, errors
    sub.refresh_from_db()
    assert row_changes_since_return(sub) == []
    wang = next(r for r in rows_of(sub) if r.person_name == "王五")
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={},
        revision=sub.revision,
        rows={
            "graduate_list": [
                (wang.key, {"destination": "further", "employer": "某职业学院"}),
                ("new1", {"destination": "self"}),  # a graduate 学籍 missed, typed in
            ]
        },
    )
    sub = fire(KEY, sub, "submit", actor=world["school_a"])
    got = [(c["row"], c["column"], c["before"], c["after"]) for c in row_changes_since_return(sub)]
    assert ("王五", "毕业去向", "待就业", "升学") in got  # choices by name
    assert ("王五", "就业单位或升学学校", "", "某职业学院") in got
    assert any(c[1] == "—" and c[2] == "" and c[3] for c in got)  # the row added
    assert len(got) == 3
    assert values(sub)[("graduates", "")] == "4"
    login(world["jinan"])
    page = client.get(reverse("reporting:submission_form", args=[sub.pk])).content.decode()
    assert "List rows changed since it was returned" in page and "<ins>升学</ins>" in page


def test_renaming_a_row_list_section_in_the_editor_keeps_its_rows():
    from zhijiao.reporting import services_editor as editor

    data = {
        "sections": [
            {
                "code": "grads",
                "name": "毕业生",
                "elements": [{"code": "n", "type": "integer"}],
                "rows": {"columns": []},
            }
        ]
    }
    renamed = editor.section_put(data, code="graduates", name="毕业生名单", replacing="grads")
    assert renamed["sections"] == [
        {
            "code": "graduates",
            "name": "毕业生名单",
            "elements": [{"code": "n", "type": "integer"}],
            "rows": {"columns": []},
        }
    ]
    assert data["sections"][0]["code"] == "grads"  # the draft passed in is not changed
    added = editor.section_put(data, code="new", name="新分节")
    assert added["sections"][-1] == {"code": "new", "name": "新分节", "elements": []}
