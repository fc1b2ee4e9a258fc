"""Exchange formats: the national 中职学籍 template and CHSI's 高职 学籍 list as data files (export), and
the national system's export read through the roster import (row-level errors, all or nothing)."""

import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from zhijiao.core.importing import run_import
from zhijiao.core.models import AuditEntry, Job
from zhijiao.core.tabular import write_xlsx
from zhijiao.students import exchange
from zhijiao.students.models import Enrolment, Student

from .factories import add_student, new_id, registered

pytestmark = pytest.mark.django_db


def _sheet(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_national_export_uses_the_format_file_with_full_id_numbers(world, login):
    a = registered(world, name="王小明")
    b = registered(world, "b", name="李四")
    response = login(world["school_a"]).get("/students/?export=xlsx&layout=national_zz")
    assert response.status_code == 200
    rows = _sheet(response)
    layout = exchange.layout("national_zz")
    assert rows[0] == layout.headers()
    assert len(rows) == 2  # school_b's student is not in school_a's file
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["姓名"] == "王小明"
    assert row["身份证件号"] == a.id_number  # the receiving system needs the whole number
    assert row["性别"] in ("男", "女")
    assert row["出生日期"] == a.birth_date.strftime("%Y%m%d")
    assert row["入学年月"] == "202409"
    assert row["学籍状态"] == "在籍"
    assert row["专业代码"] == world.offering_a.major.code
    assert b.id_number not in str(rows)
    assert AuditEntry.objects.filter(action="export", message__contains="layout=national_zz").exists()


def test_exchange_export_is_for_roles_that_may_see_full_numbers(world, login):
    registered(world)
    auditor = login(world["auditor"])
    assert auditor.get("/students/?export=xlsx&layout=national_zz").status_code == 403
    assert "layout=national_zz" not in auditor.get("/students/").content.decode()
    school = login(world["school_a"])
    body = school.get("/students/").content.decode()
    assert "layout=national_zz" in body
    assert "layout=chsi_gz" not in body  # no higher vocational college in a 中职 school's scope
    assert school.get("/students/?export=xlsx&layout=nonsense").status_code == 404
    assert school.get("/students/?export=xlsx&layout=chsi_xl").status_code == 404  # the certificates' list


def test_chsi_list_holds_only_higher_vocational_students(world, login):
    registered(world, name="中职生")
    client = login(world["province_admin"])
    rows = _sheet(client.get("/students/?export=xlsx&layout=chsi_gz"))
    assert rows[0] == exchange.layout("chsi_gz").headers() and len(rows) == 1
    s = registered(world, "b", name="高职生")
    Enrolment.objects.filter(student=s).update(stage="higher")
    rows = _sheet(client.get("/students/?export=xlsx&layout=chsi_gz"))
    assert [r[2] for r in rows[1:]] == ["高职生"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["层次"] == "专科" and row["预计毕业日期"] == "20270901"


@override_settings(EXPORT_SYNC_MAX_ROWS=1)
def test_a_large_exchange_export_runs_as_a_background_job(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in ("甲", "乙", "丙"):
        registered(world, name=name)
    response = login(world["school_a"]).get("/students/?export=xlsx&layout=national_zz")
    assert response.status_code == 302 and "/exports/" in response["Location"]
    job = Job.objects.get(kind="core.export")
    assert job.result["rows"] == 3
    ws = load_workbook(tmp_path / "exports" / job.result["file"], read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == exchange.layout("national_zz").headers()
    assert sorted(r[2] for r in rows[1:]) == ["丙", "乙", "甲"]


def test_a_new_version_of_a_format_is_a_new_file_and_can_be_pinned(settings, tmp_path):
    (tmp_path / "national_zz.v2.yaml").write_text(
        "key: national_zz\nversion: 2\ncolumns:\n  - {header: 姓名, value: name}\n", encoding="utf-8"
    )
    settings.STUDENT_EXCHANGE_DIRS = [str(tmp_path)]
    assert exchange.layout("national_zz").version == 2
    assert exchange.layout("national_zz").headers() == ["姓名"]
    settings.STUDENT_EXCHANGE_VERSIONS = {"national_zz": 1}
    assert exchange.layout("national_zz").version == 1
    with pytest.raises(exchange.LayoutError):
        exchange.parse({"columns": [{"header": "X", "value": "salary"}]}, key="national_zz", version=9)


# --- import of the national system's export --------------------------------------------------------
NATIONAL = ["序号", "学校名称", "姓名", "性别", "身份证件类型", "身份证件号", "民族", "专业代码", "专业名称",
            "入学年月", "班级名称", "学籍状态", "年级"]  # fmt: skip


def _national_row(world, **kw):
    base = {
        "序号": 1, "学校名称": "济南第一职业中专", "姓名": "赵六", "性别": "男", "身份证件类型": "居民身份证",
        "身份证件号": new_id(), "民族": "汉族", "专业代码": world.offering_a.major.code, "专业名称": "x",
        "入学年月": "202409", "班级名称": "2024级1班", "学籍状态": "在籍", "年级": "2024",
    }  # fmt: skip
    base.update(kw)
    return [base[h] for h in NATIONAL]


def _import(world, rows, headers=NATIONAL, user="school_a"):
    buf = io.BytesIO()
    write_xlsx(buf, headers=headers, rows=rows)
    buf.seek(0)
    return run_import("students_national", buf, "national.xlsx", actor=world[user])


def test_the_national_export_imports_through_the_roster_pipeline(world):
    number = new_id()
    result = _import(world, [_national_row(world, 身份证件号=number)])
    assert result.ok, [str(e) for e in result.errors]
    s = Student.objects.get(id_number=number)
    e = s.enrolments.get()
    assert (s.name, s.gender, s.ethnicity) == ("赵六", "male", "01")
    assert e.entry_date.isoformat() == "2024-09-01" and e.class_name == "2024级1班"
    # The same file again changes nothing (the roster's natural key).
    again = _import(world, [_national_row(world, 身份证件号=number)])
    assert again.ok and Student.objects.filter(id_number=number).count() == 1


def test_national_import_errors_name_the_row_and_column_and_write_nothing(world):
    good = new_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # wrong check digit
    result = _import(
        world,
        [
            _national_row(world, 身份证件号=new_id()),
            _national_row(world, 身份证件号=bad),
            _national_row(world, 身份证件号=new_id(), 入学年月="2024-13"),
            _national_row(world, 身份证件号=new_id(), 身份证件类型="军官证"),
        ],
    )
    assert not result.ok
    errors = [(e.row, e.column) for e in result.errors]
    assert (3, "ID number") in errors
    assert any(row == 4 for row, _c in errors) and any(row == 5 for row, _c in errors)
    assert not Student.objects.exists()


def test_national_import_refuses_unknown_columns_and_malformed_files(world):
    result = _import(world, [[*_national_row(world), "x"]], headers=[*NATIONAL, "工资"])
    assert not result.ok and any("unknown column" in str(e) for e in result.errors)
    broken = run_import(
        "students_national", io.BytesIO(b"PK\x03\x04broken"), "n.xlsx", actor=world["school_a"]
    )
    assert not broken.ok and not Student.objects.exists()


def test_import_page_is_linked_from_the_list(world, login):
    add_student(world)
    body = login(world["school_a"]).get("/students/").content.decode()
    assert "/imports/students_national/" in body
    assert login(world["school_a"]).get("/imports/students_national/").status_code == 200
