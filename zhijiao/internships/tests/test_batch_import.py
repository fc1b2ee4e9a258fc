"""Excel import of placements and insurance lists through the shared pipeline."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from zhijiao.core.importing import run_import
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.models import AuditEntry
from zhijiao.internships.importers import InsuranceImporter, PlacementImporter
from zhijiao.internships.models import InsurancePolicy, Placement

PCOLS = (
    "plan",
    "id_number",
    "student_name",
    "credit_code",
    "post_name",
    "start_date",
    "end_date",
    "monthly_pay",
)
ICOLS = (
    "id_number",
    "credit_code",
    "policy_no",
    "insurer",
    "coverage_start",
    "coverage_end",
    "premium_payer",
)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def place_rows(iw, *students, pay=3200):
    rows = [headers(PlacementImporter, *PCOLS)]
    for e in students:
        rows.append(
            [
                iw.plan.title,
                e.student.id_number,
                e.student.name,
                iw.w.ent_a.credit_code,
                iw.post.name,
                iw.start.isoformat(),
                iw.end.isoformat(),
                pay,
            ]
        )
    return rows


def run(kind, rows, actor, name="f.xlsx"):
    return run_import(kind, xlsx_file(rows), name, actor=actor)


def msgs(result):
    return [str(e) for e in result.errors]


@pytest.mark.django_db
class TestPlacementImport:
    def test_creates_drafts_through_the_service_with_rules_checked(self, iw):
        a, b = iw.student(), iw.student()
        result = run("internship-placements", place_rows(iw, a, b), iw.school_admin)
        assert result.ok, msgs(result)
        assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
        placements = Placement.objects.filter(plan=iw.plan).order_by("id")
        assert [p.enrolment_id for p in placements] == [a.pk, b.pk]
        assert all(p.status == "draft" and p.checked_at is not None for p in placements)
        # Rules ran: no agreement yet, so the stored check lists failures.
        assert all(p.violations for p in placements)
        assert AuditEntry.objects.filter(object_id__in=[str(p.pk) for p in placements]).exists()

    def test_same_file_again_changes_nothing_and_changed_pay_updates(self, iw):
        a = iw.student()
        assert run("internship-placements", place_rows(iw, a), iw.school_admin).ok
        again = run("internship-placements", place_rows(iw, a), iw.school_admin)
        assert again.ok and (again.created, again.unchanged) == (0, 1)
        changed = run("internship-placements", place_rows(iw, a, pay=3500), iw.school_admin)
        assert changed.ok and changed.updated == 1, msgs(changed)
        assert Placement.objects.get(enrolment=a).monthly_pay == 3500

    def test_row_errors_in_chinese_and_nothing_written(self, iw):
        a, b = iw.student(), iw.student()
        rows = place_rows(iw, a, b)
        rows[2][4] = "不存在的岗位"
        rows.append(
            ["没有这个计划", "110101200601010000", "", iw.w.ent_a.credit_code, iw.post.name, "", "", ""]
        )
        rows.append(rows[1][:])  # duplicate student
        rows.append(
            [
                iw.plan.title,
                b.student.id_number,
                "错名",
                iw.w.ent_a.credit_code,
                iw.post.name,
                "2020-01-01",
                "",
                "abc",
            ]
        )
        result = run("internship-placements", rows, iw.school_admin)
        assert not result.ok
        text = "\n".join(msgs(result))
        assert "第 3 行 · 岗位名称 · 该企业没有这个名称的岗位" in text, text
        assert "第 4 行 · 实习方案 · 贵单位没有这个标题的实习方案" in text, text
        assert "第 5 行 · 学生身份证件号码 · 与本文件第 2 行重复" in text, text
        assert "第 6 行 · 月薪（元） · 必须是以元为单位的金额" in text, text
        assert Placement.objects.count() == 0

    def test_other_schools_students_are_not_found(self, iw, world):
        other = iw.student(school=world.school_b, offering=world.offering_b)
        result = run("internship-placements", place_rows(iw, other), iw.school_admin)
        assert not result.ok
        assert "在贵单位没有使用该证件号码的在籍学生" in "\n".join(msgs(result))
        # and school_b cannot see school_a's plan
        mine = iw.student()
        result = run("internship-placements", place_rows(iw, mine), world["school_b"])
        assert not result.ok and "贵单位没有这个标题的实习方案" in "\n".join(msgs(result))
        assert Placement.objects.count() == 0

    def test_service_refusal_names_its_row_and_rolls_back(self, iw):
        a, b = iw.student(), iw.student()
        iw.placement(b)  # b is already placed for these dates in another plan row → overlap refused
        from zhijiao.internships import services

        other_plan = services.plan_create(
            actor=iw.school_admin,
            data={
                "institution": iw.w.school_a,
                "offering": iw.w.offering_a,
                "title": "另一个计划",
                "kind": "post",
                "cohort_year": 2024,
                "start_date": iw.plan.start_date,
                "end_date": iw.plan.end_date,
            },
        )
        rows = place_rows(iw, a, b)
        for row in rows[1:]:
            row[0] = other_plan.title
        result = run("internship-placements", rows, iw.school_admin)
        assert not result.ok
        assert msgs(result)[0].startswith("第 3 行 · 学生身份证件号码"), msgs(result)
        assert not Placement.objects.filter(plan=other_plan).exists()

    def test_malformed_files_are_refused(self, iw):
        not_xlsx = run_import(
            "internship-placements", io.BytesIO(b"PK\x03\x04 broken zip"), "x.xlsx", actor=iw.school_admin
        )
        assert not not_xlsx.ok and not_xlsx.errors[0].row is None
        wrong_headers = run("internship-placements", [["学号", "姓名"], ["1", "x"]], iw.school_admin)
        assert not wrong_headers.ok
        assert "缺少必填列" in "\n".join(msgs(wrong_headers))
        formula = place_rows(iw, iw.student())
        formula[1][7] = "=1+1"
        assert "公式" in "\n".join(msgs(run("internship-placements", formula, iw.school_admin)))
        assert Placement.objects.count() == 0

    def test_not_offered_to_users_without_import(self, iw, world):
        assert not PlacementImporter.available_to(world["ent_a"])
        result = run("internship-placements", place_rows(iw, iw.student()), world["ent_a"])
        assert not result.ok and Placement.objects.count() == 0


@pytest.mark.django_db
class TestInsuranceImport:
    def rows(self, iw, *placements, policy="BX-{n}"):
        out = [headers(InsuranceImporter, *ICOLS)]
        for n, p in enumerate(placements):
            out.append(
                [
                    p.enrolment.student.id_number,
                    iw.w.ent_a.credit_code,
                    policy.format(n=n),
                    "中国人保",
                    p.start_date,
                    p.end_date,
                    "学校",
                ]
            )
        return out

    def test_policies_attach_to_the_students_placement(self, iw):
        p1 = iw.placement(complete=False)
        p2 = iw.placement(complete=False)
        result = run("internship-insurance", self.rows(iw, p1, p2), iw.school_admin)
        assert result.ok, msgs(result)
        assert result.created == 2
        assert InsurancePolicy.objects.get(placement=p1).policy_no == "BX-0"
        assert InsurancePolicy.objects.get(placement=p2).premium_payer == "school"
        again = run("internship-insurance", self.rows(iw, p1, p2), iw.school_admin)
        assert again.ok and again.unchanged == 2 and InsurancePolicy.objects.count() == 2

    def test_errors(self, iw, world):
        p = iw.placement(complete=False)
        rows = self.rows(iw, p)
        rows[1][5] = p.start_date - dt.timedelta(days=1)
        rows.append(
            [
                iw.student().student.id_number,
                iw.w.ent_a.credit_code,
                "BX-9",
                "人保",
                "2026-01-01",
                "2026-02-01",
                "",
            ]
        )
        rows.append(
            [
                p.enrolment.student.id_number,
                "91370000MA3C5Y1234",
                "BX-8",
                "人保",
                "2026-13-01",
                "2026-02-01",
                "某人",
            ]
        )
        result = run("internship-insurance", rows, iw.school_admin)
        text = "\n".join(msgs(result))
        assert not result.ok
        assert "第 2 行 · 保险止期 · 早于保险起始日期" in text, text
        assert "第 3 行 · 实习单位统一社会信用代码 · 该学生在这家企业没有未结束的实习" in text, text
        assert "第 4 行 · 保险起期 · “2026-13-01”不是有效日期" in text, text
        assert "第 4 行 · 保费承担方 · “某人”不在可选值范围内" in text, text
        assert InsurancePolicy.objects.count() == 0
        # Another school's user finds none of these students.
        other = run("internship-insurance", self.rows(iw, p), world["school_b"])
        assert not other.ok and InsurancePolicy.objects.count() == 0


@pytest.mark.django_db
def test_template_has_chinese_headers(client, iw):
    client.force_login(iw.school_admin)
    response = client.get(reverse("imports:template", args=["internship-placements"]))
    assert response.status_code == 200
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[:3] == ["实习方案", "学生身份证件号码", "姓名"]
    page = client.get(reverse("imports:index"))
    assert "实习单位与岗位安排" in page.content.decode() or "实习安排" in page.content.decode()
