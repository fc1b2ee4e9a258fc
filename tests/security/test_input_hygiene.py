"""Issue 11, item 5: one normaliser strips invisible characters (zero-width, bidi controls, private
use) from names and free text, on every way in: imports, forms, the API and the public lookup."""

from __future__ import annotations

import io

import pytest

from zhijiao.core.tabular import write_xlsx
from zhijiao.core.testing_api import api_client, url
from zhijiao.core.validators import normalize_text, strip_invisible

pytestmark = pytest.mark.django_db

ZW = "\u200b"  # zero-width space
RLO = "\u202e"  # right-to-left override (Trojan Source)
PUA = "\ue000"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"张{ZW}三", "张三"),
        (f"{RLO}张三", "张三"),
        ("张\u2066三\u2069", "张三"),
        ("张\ufeff三", "张三"),
        ("张\u00ad三", "张三"),
        (f"张{PUA}三", "张三"),
        ("张\u3000三", "张 三"),
        ("  张  三 ", "张 三"),
        ("欧阳䶮𫖯", "欧阳䶮𫖯"),  # rare characters in Unicode stay
    ],
)
def test_normalize_text(raw, clean):
    assert normalize_text(raw) == clean


def test_person_names_keep_private_use_characters_to_flag_them():
    assert normalize_text(f"李{PUA}{ZW}", keep_private_use=True) == f"李{PUA}"
    assert strip_invisible(f"a{PUA}b") == "ab"


def test_every_service_write_strips_them(world):
    from zhijiao.enterprises.services import enterprise_update

    enterprise_update(
        actor=world["ent_a"],
        enterprise=world.ent_a,
        data={"contact_name": f"王{ZW}五", "address": f"济南{RLO}市"},
    )
    world.ent_a.refresh_from_db()
    assert world.ent_a.contact_name == "王五" and world.ent_a.address == "济南市"


def test_the_api_strips_them(world):
    from zhijiao.students.models import Student
    from zhijiao.students.tests.factories import new_id

    response = api_client(world["school_a"]).post(
        url("students"),
        {
            "name": f"张{ZW}三",
            "id_number": new_id(),
            "id_type": "resident_id",
            "institution": world.school_a.pk,
            "offering": world.offering_a.pk,
            "entry_date": "2024-09-01",
            "guardian_name": f"张{RLO}父",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    student = Student.objects.get(pk=response.json()["id"])
    assert student.name == "张三" and student.guardian_name == "张父"


def test_imports_strip_them_and_keep_flagged_private_use_in_names(world):
    from zhijiao.core.importing import run_import
    from zhijiao.students.importers import StudentImporter
    from zhijiao.students.models import Student
    from zhijiao.students.tests.factories import new_id

    columns = [c for c in StudentImporter.columns if c.importable and c.key != "institution"]
    values = {
        "name": f"李{ZW}四", "gender": "男", "id_number": new_id(), "major": "710201", "start_year": 2020,
        "entry_date": "2024-09-01", "class_name": f"1{ZW}班",
    }  # fmt: skip
    second = {**values, "name": f"王{PUA}", "id_number": new_id()}
    buf = io.BytesIO()
    write_xlsx(
        buf,
        headers=[c.header() for c in columns],
        rows=[[v.get(c.key, "") for c in columns] for v in (values, second)],
    )
    buf.seek(0)
    result = run_import("students", buf, "roster.xlsx", actor=world["school_a"])
    assert result.ok, [str(e) for e in result.errors]
    assert Student.objects.filter(name="李四").exists()
    flagged = Student.objects.get(name=f"王{PUA}")
    assert flagged.name_flagged


def test_forms_strip_them(world, login):
    client = login(world["ent_a"])
    response = client.post(
        f"/enterprises/{world.ent_a.pk}/edit/",
        {
            "credit_code": world.ent_a.credit_code,
            "name": f"济南{ZW}测试企业有限公司",
            "industry": world.ent_a.industry,
            "region": world.ent_a.region_id,
            "headcount": 100,
            "contact_name": "",
            "contact_phone": "",
            "address": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    world.ent_a.refresh_from_db()
    assert world.ent_a.name == "济南测试企业有限公司"
