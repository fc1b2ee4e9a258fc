import io

import pytest

from zhijiao.core.importing import run_import
from zhijiao.core.models import AuditEntry
from zhijiao.core.tabular import write_xlsx
from zhijiao.students.importers import StudentImporter
from zhijiao.students.models import Enrolment, Student

from .factories import add_student, new_id

pytestmark = pytest.mark.django_db
HEADERS = [c.header() for c in StudentImporter.columns if c.importable and c.key != "institution"]
KEYS = [c.key for c in StudentImporter.columns if c.importable and c.key != "institution"]


def row(**kw):
    base = {
        "name": "张三",
        "gender": "男",
        "id_type": "",
        "id_number": new_id(),
        "birth_date": "2008-01-01",
        "major": "710201",
        "start_year": 2020,
        "class_name": "2024级1班",
        "study_years": 3,
        "pathway": "",
        "entry_date": "2024-09-01",
        "guardian_name": "张父",
        "guardian_phone": "13800000000",
        "registry_number": "",
        "ethnicity": "",
        "hukou_region": "",
        "source_category": "",
        "aid_category": "",
    }
    base.update(kw)
    return [base[k] for k in KEYS]


def xlsx(rows, headers=HEADERS):
    buf = io.BytesIO()
    write_xlsx(buf, headers=headers, rows=rows)
    buf.seek(0)
    return buf


def do(world, rows, user="school_a"):
    return run_import("students", xlsx(rows), "roster.xlsx", actor=world[user])


def messages(result):
    return [str(e) for e in result.errors]


def test_valid_file_imports_with_rare_names(world):
    result = do(world, [row(name="欧阳䶮"), row(name="王𪚥"), row(name="李\ue000")])
    assert result.ok, messages(result)
    assert result.created == 3
    assert Enrolment.objects.filter(status="pending", institution=world.school_a).count() == 3
    assert Student.objects.get(name="李\ue000").name_flagged
    assert AuditEntry.objects.filter(object_type="students.student", action="create").count() == 3


def test_name_normalised_nfc(world):
    decomposed = "e\u0301"  # é decomposed
    assert do(world, [row(name="李" + decomposed)]).ok
    assert Student.objects.get().name == "李\u00e9"


def test_wrong_check_digit_and_nothing_written(world):
    good = row()
    number = new_id()
    bad = row(id_number=number[:-1] + ("1" if number[-1] != "1" else "2"))
    result = do(world, [good, bad])
    assert not result.ok and not Student.objects.exists()
    assert any("Row 3" in m or "3" in m for m in messages(result))
    assert result.errors[0].row == 3 and result.errors[0].column == str(StudentImporter.columns[4].label)


def test_id_as_number_losing_x(world):
    number = new_id()
    result = do(world, [row(id_number=float(number[:17] + "0"))])
    assert not result.ok
    assert "number" in messages(result)[0]


def test_birth_date_and_gender_mismatch(world):
    result = do(world, [row(birth_date="2008-02-01"), row(gender="女")])
    assert not result.ok
    columns = {e.column for e in result.errors}
    assert (
        str(StudentImporter.columns[5].label) in columns and str(StudentImporter.columns[2].label) in columns
    )


def test_duplicates_in_file_school_and_province(world):
    number = new_id()
    result = do(world, [row(id_number=number), row(id_number=number)])
    assert not result.ok and "row 2" in messages(result)[0].lower()
    here = add_student(world, "a")
    elsewhere = add_student(world, "b")
    result = do(world, [row(id_number=here.id_number), row(id_number=elsewhere.id_number)])
    text = " ".join(messages(result))
    assert "this school" in text
    assert "青岛市" in text and "青岛第一职业中专" not in text
    assert Student.objects.count() == 2


def test_unknown_offering_and_other_school(world):
    result = do(world, [row(major="999999")])
    assert not result.ok
    result = run_import(
        "students",
        xlsx([[world.school_b.code, *row()]], headers=[str(StudentImporter.columns[0].label), *HEADERS]),
        "r.xlsx",
        actor=world["school_a"],
    )
    assert not result.ok and "no institution" in messages(result)[0]


def test_province_user_imports_with_codes(world):
    rows = [[world.school_b.code, *row(start_year="")]]
    result = run_import(
        "students",
        xlsx(rows, headers=[str(StudentImporter.columns[0].label), *HEADERS]),
        "r.xlsx",
        actor=world["province_admin"],
    )
    assert result.ok, messages(result)
    assert Student.objects.get().current_institution == world.school_b


def test_export_masks_id(world, login):
    from zhijiao.core.tests.views_helpers import xlsx_rows

    s = add_student(world, "a")
    rows = xlsx_rows(login(world["school_a"]).get("/students/?export=xlsx"))
    flat = " ".join(str(c) for r in rows for c in r)
    assert s.id_number not in flat and s.id_number[:6] in flat


def test_reported_fields_by_code_or_name(world):
    result = do(
        world,
        [
            row(
                name="甲",
                ethnicity="汉族",
                hukou_region="370102",
                source_category="退役军人",
                aid_category="02",
            ),
            row(name="乙", ethnicity="3", hukou_region="", source_category="11", aid_category=""),
        ],
    )
    assert result.ok, messages(result)
    a, b = Student.objects.get(name="甲"), Student.objects.get(name="乙")
    assert (a.ethnicity, a.hukou_region, a.source_category, a.aid_category) == ("01", "370102", "41", "02")
    assert a.get_ethnicity_display() == "汉族" and a.get_source_category_display() == "退役军人"
    assert (b.ethnicity, b.source_category) == ("03", "11")
    bad = do(world, [row(ethnicity="火星族"), row(hukou_region="990000"), row(source_category="99x")])
    assert not bad.ok and len(bad.errors) == 3
    # export: the codes, read back by the same importer
    assert [c.export_value(a) for c in StudentImporter.columns if c.key in ("ethnicity", "hukou_region")] == [
        "01",
        "370102",
    ]


def test_code_lists_on_the_form_and_as_data():
    from zhijiao.students import codelists
    from zhijiao.students.forms import StudentForm

    assert len(codelists.codes("ethnicity")) == 58 and codelists.label("ethnicity", "56") == "基诺族"
    assert "退役军人" in codelists.codes("source_category").values()
    form = StudentForm()
    assert ("01", "01 汉族") in list(form.fields["ethnicity"].widget.choices)
    assert ("41", "41 退役军人") in list(form.fields["source_category"].widget.choices)
