import io

import pytest
from django.utils import translation

from zhijiao.core.importing import run_import
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.models import AuditEntry
from zhijiao.majors.choices import OfferingStatus
from zhijiao.majors.importers import OfferingImporter
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.testing import catalogue_major


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def hdr(*keys):
    return headers(OfferingImporter, *(keys or ("institution", "major", "start_year", "status", "note")))


def do(world, f, user):
    return run_import("offerings", f, "o.xlsx", actor=world[user])


def msgs(result):
    return [str(e) for e in result.errors]


class Counts:
    def __init__(self):
        self.offerings = InstitutionMajor.objects.count()
        self.audit = AuditEntry.objects.count()

    def unchanged(self):
        return InstitutionMajor.objects.count() == self.offerings and AuditEntry.objects.count() == self.audit


@pytest.mark.django_db
class TestOfferingImport:
    def test_school_user_without_institution_column_gets_its_own_school(self, world):
        catalogue_major("710202", "网络技术")
        f = xlsx_file([hdr("major", "start_year", "note"), ["710202", 2023, "新专业"], ["710201", 2022, ""]])
        result = do(world, f, "school_a")
        assert result.ok, msgs(result)
        assert (result.created, result.updated) == (2, 0)
        new = InstitutionMajor.objects.get(major__code="710202")
        assert (new.institution, new.start_year, new.status, new.note) == (
            world.school_a,
            2023,
            OfferingStatus.FILED,
            "新专业",
        )

    def test_school_user_naming_another_school_is_a_row_error(self, world):
        counts = Counts()
        f = xlsx_file(
            [
                hdr(),
                [world.school_a.code, "710201", 2023, "", ""],
                [world.school_b.code, "710201", 2023, "", ""],
            ]
        )
        result = do(world, f, "school_a")
        assert msgs(result) == [
            f"Row 3 · Institution code · no institution with code {world.school_b.code} in your organisation"
        ]
        assert counts.unchanged()

    def test_city_user_imports_within_its_city_only(self, world):
        f = xlsx_file([hdr(), [world.school_a.code, "710201", 2024, "", ""]])
        assert do(world, f, "jinan").created == 1
        counts = Counts()
        f = xlsx_file([hdr(), [world.school_b.code, "710201", 2024, "", ""]])
        result = do(world, f, "jinan")
        assert msgs(result) == [
            f"Row 2 · Institution code · no institution with code {world.school_b.code} in your organisation"
        ]
        assert counts.unchanged()

    def test_city_user_needs_the_institution_column(self, world):
        result = do(world, xlsx_file([hdr("major", "start_year"), ["710201", 2024]]), "jinan")
        assert msgs(result) == ["Row 1 · Institution code · required column is missing"]

    def test_major_level_must_match_the_institution(self, world):
        catalogue_major("510201", "计算机应用技术", level="higher")
        counts = Counts()
        result = do(world, xlsx_file([hdr("major", "start_year"), ["510201", 2024]]), "school_a")
        [msg] = msgs(result)
        assert msg.startswith("Row 2 · Major code · A Secondary vocational school cannot offer a")
        assert counts.unchanged()

    def test_unknown_major_and_bad_year(self, world):
        result = do(
            world, xlsx_file([hdr("major", "start_year"), ["999999", 2024], ["710201", 1800]]), "school_a"
        )
        assert msgs(result) == [
            "Row 2 · Major code · 999999 is not in the major catalogue",
            "Row 3 · Start year · Ensure this value is greater than or equal to 1950.",
        ]

    def test_duplicates_in_file_and_updates_against_the_database(self, world):
        counts = Counts()
        f = xlsx_file(
            [hdr("major", "start_year", "status"), ["710201", 2020, "Revoked"], ["710201", 2020, ""]]
        )
        result = do(world, f, "school_a")
        assert msgs(result) == ["Row 3 · Major code · duplicates row 2 of this file"]
        assert counts.unchanged()
        # The existing offering (school_a, 710201, 2020) is updated, not duplicated.
        result = do(
            world, xlsx_file([hdr("major", "start_year", "status"), ["710201", 2020, "Revoked"]]), "school_a"
        )
        assert (result.created, result.updated) == (0, 1)
        world.offering_a.refresh_from_db()
        assert world.offering_a.status == OfferingStatus.REVOKED

    def test_export_then_reimport_is_a_no_op(self, world):
        response = OfferingImporter.export_response(InstitutionMajor.objects.all(), "o.xlsx")
        data = b"".join(response.streaming_content)
        audits = AuditEntry.objects.count()
        result = do(world, io.BytesIO(data), "province_admin")
        assert result.ok, msgs(result)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
        assert AuditEntry.objects.count() == audits
        # A school user re-importing the full export is refused on the other school's row.
        result = do(world, io.BytesIO(data), "school_a")
        assert len(result.errors) == 1 and result.errors[0].column == "Institution code"

    def test_enterprise_user_cannot_import(self, world):
        result = do(world, xlsx_file([hdr("major", "start_year"), ["710201", 2024]]), "ent_a")
        assert msgs(result) == ["You may not import this kind of data."]
