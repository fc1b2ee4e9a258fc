"""The import pipeline on bad input: every problem is reported with its row and column, nothing is written."""

import io

import pytest
from django.utils import translation

from zhijiao.core.importing import read_table, run_import
from zhijiao.core.importing.reading import ImportFileError
from zhijiao.core.importing.testing import csv_file, headers, xlsx_file
from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import make_uscc
from zhijiao.enterprises.importers import EnterpriseImporter
from zhijiao.enterprises.models import Enterprise

COLS = ("credit_code", "name", "industry", "region", "headcount", "contact_phone")
H = None


@pytest.fixture(autouse=True)
def english():
    # Messages are English msgids until the lead adds the Chinese catalogue; pin them for the asserts.
    with translation.override("en"):
        yield


def hdr(*keys):
    return headers(EnterpriseImporter, *(keys or COLS))


def good_row(n=1, **over):
    row = {
        "credit_code": make_uscc(900 + n),
        "name": f"导入企业{n}有限公司",
        "industry": "C",
        "region": "370102",
        "headcount": 10,
        "contact_phone": "13800138000",
    }
    row.update(over)
    return [row[k] for k in COLS]


class Snapshot:
    """Counts that must not move when an import is refused."""

    def __init__(self):
        self.enterprises = Enterprise.objects.count()
        self.audit = AuditEntry.objects.count()

    def unchanged(self):
        return Enterprise.objects.count() == self.enterprises and AuditEntry.objects.count() == self.audit


def do(world, f, name="e.xlsx", user="province_admin"):
    return run_import("enterprises", f, name, actor=world[user])


def messages(result):
    return [str(e) for e in result.errors]


@pytest.mark.django_db
class TestBadFiles:
    def test_empty_file(self, world):
        snap = Snapshot()
        result = do(world, io.BytesIO(b""))
        assert messages(result) == ["The file is empty."]
        assert snap.unchanged()

    def test_sheet_without_rows(self, world):
        result = do(world, xlsx_file([]))
        assert not result.ok
        assert "headers" in messages(result)[0]

    def test_header_but_no_data(self, world):
        result = do(world, xlsx_file([hdr()]))
        assert messages(result) == ["The file has a header row but no data rows."]

    def test_renamed_non_excel_file(self, world):
        snap = Snapshot()
        result = do(world, io.BytesIO(b"credit_code,name\n1,2\n"), "renamed.xlsx")
        assert "not an Excel workbook" in messages(result)[0]
        assert snap.unchanged()

    def test_damaged_zip(self, world):
        result = do(world, io.BytesIO(b"PK\x03\x04" + b"\x00" * 200), "broken.xlsx")
        assert "not an Excel workbook" in messages(result)[0] or "cannot be read" in messages(result)[0]

    def test_unsupported_extension(self, world):
        result = do(world, io.BytesIO(b"abc"), "data.xls")
        assert "Upload an Excel workbook" in messages(result)[0]

    def test_oversize_is_refused_before_reading(self, world, settings):
        settings.UPLOAD_MAX_BYTES = 100
        snap = Snapshot()
        result = do(world, xlsx_file([hdr(), good_row()]))
        assert "too large" in messages(result)[0]
        assert snap.unchanged()

    def test_too_many_rows(self, world, settings):
        settings.IMPORT_MAX_ROWS = 2
        result = do(world, xlsx_file([hdr(), good_row(1), good_row(2), good_row(3)]))
        assert "at most 2" in messages(result)[0]

    def test_read_table_raises_for_callers(self):
        with pytest.raises(ImportFileError):
            read_table(io.BytesIO(b""), "x.csv")


@pytest.mark.django_db
class TestColumns:
    def test_missing_required_column(self, world):
        snap = Snapshot()
        result = do(world, xlsx_file([hdr("name", "industry", "region"), ["甲", "C", "370102"]]))
        assert messages(result) == ["Row 1 · Unified social credit code · required column is missing"]
        assert snap.unchanged()

    def test_unknown_column(self, world):
        result = do(world, xlsx_file([[*hdr(), "Shoe size"], [*good_row(), 42]]))
        assert messages(result) == ["Row 1 · Shoe size · unknown column; use the headers of the template"]

    def test_duplicated_column(self, world):
        result = do(world, xlsx_file([[*hdr(), hdr("name")[0]], [*good_row(), "乙"]]))
        assert messages(result) == ["Row 1 · Enterprise name · the column appears twice"]

    def test_headers_in_any_order_and_with_required_star(self, world):
        cols = hdr("name", "credit_code", "industry", "region")
        cols[0] += " *"
        result = do(world, xlsx_file([cols, ["星号企业", make_uscc(77), "C", "370102"]]))
        assert result.ok, messages(result)
        assert Enterprise.objects.filter(name="星号企业").exists()


@pytest.mark.django_db
class TestCells:
    def test_formula(self, world):
        snap = Snapshot()
        row = good_row(headcount="=1+1")
        result = do(world, xlsx_file([hdr(), row]))
        assert messages(result) == ["Row 2 · Headcount · contains a formula (=1+1); paste the values instead"]
        assert snap.unchanged()

    def test_merged_cells(self, world):
        snap = Snapshot()
        result = do(world, xlsx_file([hdr(), good_row(1), good_row(2, name=None)], merged=["B2:B3"]))
        assert (
            "Row 2 · Enterprise name · merged cells (B2:B3); unmerge them and fill in every cell"
            in messages(result)
        )
        assert snap.unchanged()

    def test_full_width_digits_and_spaces_are_normalised(self, world):
        code = make_uscc(4242)
        full = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code)
        result = do(
            world,
            xlsx_file(
                [
                    hdr(),
                    good_row(
                        credit_code=f"\u3000{full[:6]} {full[6:]}\u3000",
                        name="\u3000全角　企业 ",
                        region="３７０１０２",
                    ),
                ]
            ),
        )
        assert result.ok, messages(result)
        ent = Enterprise.objects.get(credit_code=code)
        assert ent.name == "全角 企业"
        assert ent.region == world.lixia

    def test_code_typed_as_number(self, world):
        snap = Snapshot()
        result = do(world, xlsx_file([hdr(), good_row(credit_code=121200004013590816)]))
        [msg] = messages(result)
        assert msg.startswith("Row 2 · Unified social credit code · was stored as a number")
        assert "format the column as Text" in msg
        assert snap.unchanged()

    def test_code_in_scientific_notation_from_csv(self, world):
        result = do(world, csv_file([hdr(), good_row(credit_code="1.21200004013591E+17")]), "e.csv")
        assert messages(result)[0].startswith("Row 2 · Unified social credit code · was stored as a number")

    def test_wrong_check_character(self, world):
        snap = Snapshot()
        bad = make_uscc(5)[:-1] + ("0" if make_uscc(5)[-1] != "0" else "1")
        result = do(world, xlsx_file([hdr(), good_row(1), good_row(2, credit_code=bad)]))
        assert messages(result) == [
            "Row 3 · Unified social credit code · The credit code's check character is wrong."
        ]
        assert snap.unchanged()

    def test_markup_in_name(self, world):
        snap = Snapshot()
        result = do(world, xlsx_file([hdr(), good_row(name="<script>alert(1)</script>公司")]))
        assert messages(result) == [
            "Row 2 · Enterprise name · Must not contain markup (< or >) or control characters."
        ]
        assert snap.unchanged()

    def test_required_value_missing(self, world):
        result = do(world, xlsx_file([hdr(), good_row(name="  ")]))
        assert messages(result) == ["Row 2 · Enterprise name · is required"]

    def test_bad_choice_and_number(self, world):
        result = do(world, xlsx_file([hdr(), good_row(industry="Z", headcount="many")]))
        msgs = messages(result)
        assert any(m.startswith("Row 2 · Industry · “Z” is not one of:") for m in msgs)
        assert "Row 2 · Headcount · must be a whole number" in msgs

    def test_every_error_is_collected_not_only_the_first(self, world):
        result = do(
            world, xlsx_file([hdr(), good_row(1, name=""), good_row(2), good_row(3, region="999999")])
        )
        assert messages(result) == [
            "Row 2 · Enterprise name · is required",
            "Row 4 · Region (division code) · no region with division code 999999",
        ]
        assert Enterprise.objects.filter(name="导入企业2有限公司").count() == 0


@pytest.mark.django_db
class TestDuplicates:
    def test_duplicate_inside_file(self, world):
        snap = Snapshot()
        result = do(world, xlsx_file([hdr(), good_row(1), good_row(2), good_row(1, name="同码企业")]))
        assert messages(result) == ["Row 4 · Unified social credit code · duplicates row 2 of this file"]
        assert snap.unchanged()

    def test_same_code_in_full_width_is_a_duplicate(self, world):
        code = make_uscc(901)
        full = "".join(chr(ord(c) + 0xFEE0) for c in code)
        result = do(world, xlsx_file([hdr(), good_row(1), good_row(1, credit_code=full)]))
        assert messages(result) == ["Row 3 · Unified social credit code · duplicates row 2 of this file"]

    def test_existing_row_is_updated_not_duplicated(self, world):
        row = good_row(credit_code=world.ent_a.credit_code, name="济南测试企业有限公司（新名）")
        result = do(world, xlsx_file([hdr(), row]))
        assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
        world.ent_a.refresh_from_db()
        assert world.ent_a.name == "济南测试企业有限公司（新名）"


@pytest.mark.django_db
class TestEncodingsAndIdempotence:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_csv_encodings(self, world, encoding):
        result = do(world, csv_file([hdr(), good_row(name="编码测试企业")], encoding=encoding), "e.csv")
        assert result.ok, messages(result)
        assert Enterprise.objects.filter(name="编码测试企业").exists()

    def test_reimport_changes_nothing(self, world):
        f = xlsx_file([hdr(), good_row(1), good_row(2)])
        first = do(world, f)
        assert (first.created, first.updated) == (2, 0)
        audits = AuditEntry.objects.count()
        f.seek(0)
        again = do(world, f)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
        assert AuditEntry.objects.count() == audits

    def test_one_audit_entry_per_written_row(self, world):
        before = AuditEntry.objects.count()
        result = do(world, xlsx_file([hdr(), good_row(1), good_row(2), good_row(3)]))
        assert result.created == 3
        entries = AuditEntry.objects.order_by("-id")[:3]
        assert AuditEntry.objects.count() == before + 3
        assert {e.action for e in entries} == {"create"}
        assert all(e.scope_path == world.lixia.path and e.actor == world["province_admin"] for e in entries)
        # Phone numbers are masked in the audit trail.
        assert all(e.after["contact_phone"] == "138****8000" for e in entries)

    def test_query_count_does_not_grow_with_rows(self, world, django_assert_max_num_queries):
        rows = [hdr()] + [good_row(n) for n in range(1, 201)]
        with django_assert_max_num_queries(30):
            result = do(world, xlsx_file(rows))
        assert result.created == 200
