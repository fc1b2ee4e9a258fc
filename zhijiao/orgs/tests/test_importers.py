import pytest
from django.utils import translation

from zhijiao.core.importing import run_import
from zhijiao.core.importing.base import _header_key
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.models import AuditEntry
from zhijiao.orgs.choices import InstitutionKind, InstitutionStatus, Ownership
from zhijiao.orgs.importers import InstitutionImporter
from zhijiao.orgs.models import Institution

COLS = ("code", "name", "kind", "ownership", "region", "supervising_authority", "status")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def hdr():
    return headers(InstitutionImporter, *COLS)


def row(
    code="3737000001",
    name="新建职业学院",
    kind="Higher vocational college",
    ownership="Public",
    region="370102",
    authority="山东省教育厅",
    status="Operating",
):
    return [code, name, kind, ownership, region, authority, status]


def do(world, f, user="province_admin"):
    return run_import("institutions", f, "i.xlsx", actor=world[user])


def msgs(result):
    return [str(e) for e in result.errors]


@pytest.mark.django_db
class TestInstitutionImport:
    def test_creates_with_labels_values_and_region_names(self, world):
        result = do(
            world,
            xlsx_file(
                [
                    hdr(),
                    row(),
                    row(
                        code="3737000002",
                        name="青岛新学校",
                        kind="technical",
                        ownership="private",
                        region="市南区",
                        status="",
                    ),
                ]
            ),
        )
        assert result.ok, msgs(result)
        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        a = Institution.objects.get(code="3737000001")
        assert (a.kind, a.ownership, a.region, a.status) == (
            InstitutionKind.HIGHER_VOCATIONAL,
            Ownership.PUBLIC,
            world.lixia,
            InstitutionStatus.ACTIVE,
        )
        b = Institution.objects.get(code="3737000002")
        assert (b.kind, b.ownership, b.region) == (InstitutionKind.TECHNICAL, Ownership.PRIVATE, world.shinan)

    def test_chinese_labels_are_accepted(self, world):
        # Chinese headers and choice labels come from the catalogue; whatever it says is accepted.
        with translation.override("zh-hans"):
            cols = headers(InstitutionImporter, *COLS)
            kind_label = str(InstitutionKind.TECHNICAL.label)
            result = do(world, xlsx_file([cols, row(kind=kind_label, ownership="", status="")]))
        assert result.ok, msgs(result)

    def test_institution_code_as_number_is_accepted_when_exact(self, world):
        result = do(world, xlsx_file([hdr(), row(code=3737000009)]))
        assert result.ok, msgs(result)
        assert Institution.objects.filter(code="3737000009").exists()

    def test_wrong_code_length(self, world):
        result = do(world, xlsx_file([hdr(), row(code="37370001")]))
        assert msgs(result) == ["Row 2 · Institution code · An institution identifier code has 10 digits."]

    def test_unknown_and_ambiguous_region(self, world):
        from zhijiao.core.testing import region

        region("370402", "市中区", "county", world.jinan)
        region("370403", "市中区", "county", world.qingdao)
        result = do(
            world,
            xlsx_file([hdr(), row(region="火星区"), row(code="3737000002", name="乙", region="市中区")]),
        )
        assert msgs(result) == [
            "Row 2 · Region · no region named 火星区",
            "Row 3 · Region · several regions are named 市中区; use the division code",
        ]

    def test_name_taken_by_another_operating_institution(self, world):
        audits = AuditEntry.objects.count()
        result = do(world, xlsx_file([hdr(), row(name=world.school_b.name)]))
        assert msgs(result) == [
            f"Row 2 · Institution name · an operating institution with this name already exists (code {world.school_b.code})"
        ]
        assert Institution.objects.count() == 2 and AuditEntry.objects.count() == audits

    def test_same_name_twice_in_file(self, world):
        result = do(world, xlsx_file([hdr(), row(), row(code="3737000002")]))
        assert msgs(result) == ["Row 3 · Institution name · the same name is used in row 2"]

    def test_update_existing_by_code(self, world):
        result = do(
            world,
            xlsx_file(
                [
                    hdr(),
                    row(
                        code=world.school_a.code,
                        name=world.school_a.name,
                        kind="Secondary vocational school",
                        authority="济南市教育局",
                    ),
                ]
            ),
        )
        assert (result.created, result.updated) == (0, 1), msgs(result)
        world.school_a.refresh_from_db()
        assert world.school_a.supervising_authority == "济南市教育局"
        entry = AuditEntry.objects.filter(
            object_type="orgs.institution", object_id=str(world.school_a.pk)
        ).latest("id")
        assert entry.action == "update"
        assert entry.after == {"supervising_authority": "济南市教育局"}

    def test_city_and_school_users_cannot_import_institutions(self, world):
        for user in ("jinan", "school_a", "auditor"):
            result = do(world, xlsx_file([hdr(), row()]), user=user)
            assert msgs(result) == ["You may not import this kind of data."]
        assert not Institution.objects.filter(code="3737000001").exists()

    def test_export_then_reimport_is_a_no_op(self, world, tmp_path):
        do(world, xlsx_file([hdr(), row(), row(code="3737000002", name="乙校", region="市南区")]))
        audits = AuditEntry.objects.count()
        response = InstitutionImporter.export_response(Institution.objects.all(), "inst.xlsx")
        data = b"".join(response.streaming_content)
        import io

        result = do(world, io.BytesIO(data))
        assert result.ok, msgs(result)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
        assert AuditEntry.objects.count() == audits

    def test_header_matching_ignores_case_and_star(self):
        assert _header_key(" Institution Code * ") == _header_key("institution code")
