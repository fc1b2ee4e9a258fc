import io

import pytest
from django.utils import translation

from zhijiao.core.importing import run_import
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import make_uscc
from zhijiao.enterprises.importers import EnterpriseImporter
from zhijiao.enterprises.models import Enterprise

COLS = ("credit_code", "name", "industry", "region", "headcount", "contact_name", "contact_phone")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def hdr():
    return headers(EnterpriseImporter, *COLS)


def do(world, f, user="province_admin"):
    return run_import("enterprises", f, "e.xlsx", actor=world[user])


def msgs(result):
    return [str(e) for e in result.errors]


@pytest.mark.django_db
class TestEnterpriseImport:
    def test_industry_by_letter_or_label(self, world):
        f = xlsx_file(
            [
                hdr(),
                [make_uscc(61), "甲公司", "c", "370102", 5, "张三", "13900000000"],
                [
                    make_uscc(62),
                    "乙公司",
                    "Information transmission, software and IT services",
                    370202,
                    None,
                    "",
                    "",
                ],
            ]
        )
        result = do(world, f)
        assert result.ok, msgs(result)
        assert Enterprise.objects.get(name="甲公司").industry == "C"
        b = Enterprise.objects.get(name="乙公司")
        assert (b.industry, b.region, b.headcount) == ("I", world.shinan, 0)

    def test_authority_letters_a_n_y_are_valid(self, world):
        from zhijiao.core.validators import uscc_check_char

        body = "Y1370102MA0000001"
        code = body + uscc_check_char(body)
        result = do(world, xlsx_file([hdr(), [code, "社会组织", "S", "370102", 1, "", ""]]))
        assert result.ok, msgs(result)

    def test_landline_typed_as_number_lost_its_leading_zero(self, world):
        result = do(world, xlsx_file([hdr(), [make_uscc(63), "丙公司", "C", "370102", 3, "", 5318888888]]))
        assert msgs(result) == [
            "Row 2 · Contact phone · was stored as a number (5318888888), which loses digits and a trailing X; "
            "format the column as Text and type the code again",
        ]

    def test_negative_headcount(self, world):
        result = do(world, xlsx_file([hdr(), [make_uscc(63), "丙公司", "C", "370102", -3, "", ""]]))
        assert msgs(result) == ["Row 2 · Headcount · must not be negative"]

    def test_only_province_users_import_enterprises(self, world):
        for user in ("jinan", "school_a", "ent_a"):
            result = do(
                world, xlsx_file([hdr(), [make_uscc(64), "丁公司", "C", "370102", 1, "", ""]]), user=user
            )
            assert msgs(result) == ["You may not import this kind of data."]
        assert not Enterprise.objects.filter(name="丁公司").exists()

    def test_export_masks_phones_and_reimports_unchanged(self, world):
        do(
            world,
            xlsx_file(
                [
                    hdr(),
                    [world.ent_a.credit_code, world.ent_a.name, "C", "370102", 100, "李四", "13812345678"],
                ]
            ),
        )
        world.ent_a.refresh_from_db()
        assert world.ent_a.contact_phone == "13812345678"
        response = EnterpriseImporter.export_response(Enterprise.objects.all(), "e.xlsx")
        data = b"".join(response.streaming_content)
        assert b"13812345678" not in data  # only the mask leaves the system
        audits = AuditEntry.objects.count()
        result = do(world, io.BytesIO(data))
        assert result.ok, msgs(result)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
        assert AuditEntry.objects.count() == audits
        world.ent_a.refresh_from_db()
        assert world.ent_a.contact_phone == "13812345678"

    def test_a_mask_cannot_create_a_phone_number(self, world):
        result = do(world, xlsx_file([hdr(), [make_uscc(65), "戊公司", "C", "370102", 1, "", "138****5678"]]))
        assert msgs(result) == ["Row 2 · Contact phone · is masked; type the full phone number"]


@pytest.mark.django_db
class TestBulkService:
    def test_rows_outside_the_actor_scope_roll_everything_back(self, world):
        from zhijiao.core.services import OutOfScope
        from zhijiao.enterprises.services import enterprise_bulk_upsert

        audits = AuditEntry.objects.count()
        rows = [
            {"credit_code": make_uscc(71), "name": "济南新企业", "industry": "C", "region": world.lixia},
            {"credit_code": make_uscc(72), "name": "青岛新企业", "industry": "C", "region": world.shinan},
        ]
        with pytest.raises(OutOfScope):
            enterprise_bulk_upsert(actor=world["jinan"], rows=rows)
        assert not Enterprise.objects.filter(name__endswith="新企业").exists()
        assert AuditEntry.objects.count() == audits
        # Moving an existing enterprise out of the actor's city is refused the same way.
        move = [
            {
                "credit_code": world.ent_a.credit_code,
                "name": world.ent_a.name,
                "industry": "C",
                "region": world.shinan,
            }
        ]
        with pytest.raises(OutOfScope):
            enterprise_bulk_upsert(actor=world["jinan"], rows=move)
        world.ent_a.refresh_from_db()
        assert world.ent_a.region == world.lixia

    def test_counts_and_audit_entries(self, world):
        from zhijiao.enterprises.services import enterprise_bulk_upsert

        rows = [
            {"credit_code": make_uscc(73), "name": "审计企业", "industry": "C", "region": world.lixia},
            {
                "credit_code": world.ent_a.credit_code,
                "name": world.ent_a.name,
                "industry": "C",
                "region": world.lixia,
                "headcount": 100,
            },
        ]
        result = enterprise_bulk_upsert(actor=world["jinan"], rows=rows)
        assert result.counts == {"created": 1, "updated": 0, "unchanged": 1}
        entry = AuditEntry.objects.get(
            object_type="enterprises.enterprise", object_id=str(result.created[0].pk)
        )
        assert (
            entry.action == "create"
            and entry.actor == world["jinan"]
            and entry.scope_path == world.lixia.path
        )
