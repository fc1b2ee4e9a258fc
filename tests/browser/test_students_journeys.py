"""Student registry journeys in Chromium (Chinese UI): the school registrar, the approving
authority (city then province) and a student with their own account.

Elements are found by id, name and data attributes; assertions read the Chinese text a person sees.
"""

import datetime
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import choose
from zhijiao.core.testing import blank_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = blank_pdf()


def _intake_year() -> int:
    """A spring intake whose 04-20 deadline is still ahead, whatever day the suite runs."""
    return datetime.date.today().year + 1


def _roster(rows) -> bytes:
    from zhijiao.core.tabular import write_xlsx
    from zhijiao.students.importers import StudentImporter

    columns = [c for c in StudentImporter.columns if c.importable and c.key != "institution"]
    buf = io.BytesIO()
    write_xlsx(
        buf, headers=[c.header() for c in columns], rows=[[r.get(c.key, "") for c in columns] for r in rows]
    )
    return buf.getvalue()


def _roster_row(name, number, year):
    return {
        "name": name,
        "gender": "男",
        "id_number": number,
        "major": "710201",
        "start_year": 2020,
        "class_name": f"{year}级1班",
        "study_years": 3,
        "entry_date": f"{year}-03-01",
        "guardian_name": "家长",
        "guardian_phone": "13800000000",
    }


def _menu(page, path):
    with page.expect_navigation():
        page.locator(f"#side-menu a[href='{path}']").click()


def _switch_user(page, sign_in, user, next_url=None):
    page.context.clear_cookies()
    return sign_in(user, next_url=next_url)


# --- (i) the registrar ---------------------------------------------------------------------------------
def test_registrar_imports_adds_and_submits_a_registration_batch(page, sign_in, world):
    from zhijiao.students.models import RegistrationBatch, Student
    from zhijiao.students.tests.factories import new_id

    year = _intake_year()
    first, second, third = new_id(male=True), new_id(male=True), new_id(male=True)
    broken = second[:-1] + ("1" if second[-1] != "1" else "2")

    sign_in(world["school_a"])
    _menu(page, "/students/")
    with page.expect_navigation():
        page.locator("a[href='/imports/students/']").click()

    # One bad check digit on row 3: 第 3 行 · 证件号码 · reason, and nothing written.
    page.set_input_files(
        "#import-form input[type=file]",
        files=[
            {
                "name": "新生名册.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _roster([_roster_row("王一", first, year), _roster_row("李二", broken, year)]),
            }
        ],
    )
    with page.expect_navigation():
        page.locator("#import-form button[type=submit]").click()
    errors = page.locator("#import-errors").inner_text()
    assert "第 3 行 · 证件号码 · " in errors and "校验" in errors, errors
    assert Student.objects.count() == 0
    # The refused upload answers 422, which Chromium logs; nothing else may have failed.
    assert all("422" in e for e in page.console_errors), page.console_errors
    page.console_errors.clear()

    # The corrected file imports both rows.
    page.set_input_files(
        "#import-form input[type=file]",
        files=[
            {
                "name": "新生名册.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": _roster([_roster_row("王一", first, year), _roster_row("李二", second, year)]),
            }
        ],
    )
    with page.expect_navigation():
        page.locator("#import-form button[type=submit]").click()
    assert "2" in page.locator("#import-result").inner_text()
    assert set(Student.objects.values_list("name", flat=True)) == {"王一", "李二"}

    # One more student by hand.
    _menu(page, "/students/")
    with page.expect_navigation():
        page.locator("main a[href='/students/add/']").click()
    page.fill("input[name=name]", "张𪚥")
    page.fill("input[name=id_number]", third)
    choose(page, "institution", "济南第一")
    choose(page, "offering", "计算机")
    page.fill("input[name=entry_date]", f"{year}-03-01")
    page.fill("input[name=class_name]", f"{year}级1班")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#student-name").inner_text().startswith("张𪚥")
    assert "待注册" in page.locator("#student-status").inner_text()

    # A registration batch for the spring intake, submitted for review.
    _menu(page, "/students/batches/")
    with page.expect_navigation():
        page.locator("main a[href='/students/batches/add/']").click()
    choose(page, "institution", "济南第一")
    page.fill("input[name=year]", str(year))
    page.select_option("select[name=term]", "spring")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#batch-students tbody tr").count() == 3
    assert page.locator("#batch-status").inner_text().strip() == "草稿"
    with page.expect_navigation():
        page.locator("#submit-batch").click()
    assert "批次已提交审核" in page.locator(".messages").inner_text()
    assert page.locator("#batch-status").inner_text().strip() == "审核中"
    batch = RegistrationBatch.objects.get()
    assert batch.status == "in_review" and batch.enrolments.count() == 3
    assert page.console_errors == []


def test_registrar_proposes_a_graduation_list_and_requests_a_suspension(page, sign_in, world):
    from zhijiao.students.models import GraduationList, StatusChange
    from zhijiao.students.tests.factories import registered

    ok = registered(world, name="合格生")
    off = registered(world, name="休学生")
    off.enrolments.update(status="suspended")
    sick = registered(world, name="病休生")

    sign_in(world["school_a"])
    _menu(page, "/students/graduation-lists/")
    with page.expect_navigation():
        page.locator("main a[href='/students/graduation-lists/add/']").click()
    year = datetime.date.today().year
    page.fill("#graduation-criteria input[name=year]", str(year))
    page.fill("#graduation-criteria input[name=graduation_date]", f"{year}-07-01")
    with page.expect_navigation():
        page.locator("#show-candidates").click()
    rows = page.locator("#graduation-candidate-table tbody tr[data-enrolment]")
    assert rows.count() == 3
    assert "未修满规定学分" in page.locator("tr[data-student='合格生'] .eligibility").inner_text()

    # Record credits and appraisals for everyone; HTMX rechecks each row.
    page.locator("#graduation-bulk button[data-apply-to=credits]").click()
    page.select_option("#graduation-bulk select[data-apply-to=internship]", "pass")
    page.select_option("#graduation-bulk select[data-apply-to=conduct]", "good")
    expect(page.locator("tr[data-student='合格生'] .eligibility")).to_contain_text("符合条件")
    reasons = page.locator("tr[data-student='休学生'] .eligibility").inner_text()
    assert "学籍状态为" in reasons and "不是在籍" in reasons and "学分" not in reasons
    # Leave the third student out of the list.
    page.locator(
        f"tr[data-student='病休生'] input[name=include][value='{sick.enrolments.get().pk}']"
    ).uncheck()
    # The recheck answers before the list is created: 2 chosen, 1 of them eligible.
    expect(page.locator("#graduation-summary")).to_have_text(re.compile(r"^\D*2\D+1\D*$"))
    with page.expect_navigation():
        page.locator("#create-list").click()
    glist = GraduationList.objects.get()
    assert page.url.endswith(glist.get_absolute_url())
    assert "不是在籍" in page.locator("#graduation-entries tr[data-student='休学生']").inner_text()
    assert "符合条件" in page.locator("#graduation-entries tr[data-student='合格生']").inner_text()
    assert glist.graduations.count() == 2
    with page.expect_navigation():
        page.locator("#submit-list").click()
    assert page.locator("#list-status").inner_text().strip() == "审核中"

    # 休学 for the third student, with a medical certificate attached.
    page.goto(sick.get_absolute_url())
    with page.expect_navigation():
        page.locator("#request-change").click()
    page.select_option("select[name=kind]", "suspend")
    page.fill("textarea[name=reason]", "因病休学")
    page.fill("input[name=effective_date]", f"{year}-03-01")
    page.fill("input[name=months]", "6")
    page.select_option("select[name=suspension_reason]", "illness")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    change = StatusChange.objects.get()
    assert page.url.endswith(change.get_absolute_url())
    assert "申请已提交" in page.locator(".messages").inner_text()
    assert "休学" in page.locator("main").inner_text()
    assert "诊断证明.pdf" in page.locator("main").inner_text()
    assert change.attachments.count() == 1 and change.status == "in_review"
    assert ok.pk and page.console_errors == []


# --- (ii) the approving authority ---------------------------------------------------------------------
@pytest.fixture
def submitted(world):
    """A batch, a 休学 request and a graduation list of 济南第一职业中专, all awaiting the city."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhijiao.students import services
    from zhijiao.students.tests.factories import add_student, registered

    year = _intake_year()
    for name in ("新生甲", "新生乙"):
        add_student(world, name=name, entry=datetime.date(year, 3, 1))
    batch = services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=year, term="spring"
    )
    batch = services.batch_submit(actor=world["school_a"], batch=batch)
    sick = registered(world, name="病休生")
    change = services.status_change_request(
        actor=world["school_a"],
        student=sick,
        kind="suspend",
        reason="因病休学",
        effective_date=datetime.date.today(),
        months=6,
        suspension_reason="illness",
        attachments=[SimpleUploadedFile("诊断证明.pdf", PDF, content_type="application/pdf")],
    )
    grad = registered(world, name="毕业生")
    today = datetime.date.today()
    glist = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=today.year,
        graduation_date=today,
        entries=[
            {
                "enrolment": grad.enrolments.get(),
                "credits_complete": True,
                "internship_grade": "good",
                "conduct_grade": "good",
            }
        ],
    )
    glist = services.graduation_list_submit(actor=world["school_a"], graduation_list=glist)
    return {"batch": batch, "change": change, "glist": glist, "sick": sick, "grad": grad}


def _decide(page, url):
    page.goto(url)
    with page.expect_navigation():
        page.locator("#decision-form button[value=approve]").click()
    assert "已审核通过" in page.locator(".messages").inner_text()


def test_city_reviews_and_province_approves(page, sign_in, world, settings, tmp_path, submitted):
    from zhijiao.credentials import signing
    from zhijiao.students.models import Student

    settings.CREDENTIALS_KEY_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    signing._private_cache.clear()
    batch, change, glist = submitted["batch"], submitted["change"], submitted["glist"]

    # The city finds all three in its worklist and approves each at its level.
    sign_in(world["jinan"])
    _menu(page, "/approvals/")
    table = page.locator("#object-table table tbody")
    assert table.locator("tr").count() == 3
    with page.expect_navigation():
        table.locator("a", has_text="新生").first.click()  # the registration request
    with page.expect_navigation():
        page.locator("#approval-panel button[value=approve]").click()
    assert "已审核通过" in page.locator(".messages").inner_text()
    _decide(page, change.get_absolute_url())
    _decide(page, glist.get_absolute_url())
    # The city cannot take the province's step.
    page.goto(batch.get_absolute_url())
    assert page.locator("#decision-form button[value=approve]").count() == 0

    # The province approves: every new student gets a 学籍号, shown (masked) on the batch page.
    _switch_user(page, sign_in, world["province_admin"])
    _decide(page, batch.get_absolute_url())
    assert page.locator("#batch-status").inner_text().strip() == "已批准"
    numbers = page.locator("#batch-students .registry-number").all_inner_texts()
    assert len(numbers) == 2 and all(n.startswith("G") and "*" in n for n in numbers), numbers
    assert all(s.registry_number for s in Student.objects.filter(enrolments__batch=batch))
    page.goto(batch.enrolments.first().student.get_absolute_url())
    assert page.locator("#registry-number").inner_text().startswith("G")
    assert "在籍" in page.locator("#student-status").inner_text()

    # The 休学 request was decided by the city (filed with the city, XJ-FILING): the student is
    # suspended, with its history on the page.
    page.goto(change.get_absolute_url())
    assert page.locator("#change-status").inner_text().strip() == "已批准"
    page.goto(submitted["sick"].get_absolute_url())
    assert "休学" in page.locator("#change-list").inner_text()
    assert "不能参加实习和考试" in page.locator("#student-status").inner_text()

    # The graduation list: approval graduates the student; the school then issues the certificate,
    # whose number appears on the list.
    _decide(page, glist.get_absolute_url())
    assert page.locator("#list-status").inner_text().strip() == "已批准"
    _switch_user(page, sign_in, world["school_a"])
    page.goto(glist.get_absolute_url())
    with page.expect_navigation():
        page.locator("#issue-certificates").click()
    page.fill("input[name=principal_name]", "李校长")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(glist.get_absolute_url())
    grad = glist.graduations.get()
    cert = grad.certificates.get(is_current=True)
    assert page.locator("tr[data-student='毕业生'] .certificate-number").inner_text().strip() == cert.number
    assert page.console_errors == []


# --- (iii) the student -----------------------------------------------------------------------------------
@pytest.fixture
def graduate_with_account(world, settings, tmp_path):
    from zhijiao.core.testing import make_user
    from zhijiao.credentials import services as credentials
    from zhijiao.credentials import signing
    from zhijiao.students import services
    from zhijiao.students.tests.factories import registered
    from zhijiao.workflows.services import request_approve

    settings.CREDENTIALS_KEY_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    signing._private_cache.clear()
    student = registered(world, name="赵孟𫖯")
    account = make_user("zhao_student", display_name="赵同学")
    services.student_link_account(actor=world["school_a"], student=student, user=account)
    # A 留级 decision in the history, then graduation.
    change = services.status_change_request(
        actor=world["school_a"],
        student=student,
        kind="retain",
        reason="补修课程",
        effective_date=datetime.date(2025, 3, 1),
    )
    request_approve(actor=world["jinan"], request=change.approval)  # 留级: filed with the city
    glist = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2026,
        graduation_date=datetime.date(2026, 7, 1),
        entries=[
            {
                "enrolment": student.enrolments.get(),
                "credits_complete": True,
                "internship_grade": "pass",
                "conduct_grade": "pass",
            }
        ],
    )
    glist = services.graduation_list_submit(actor=world["school_a"], graduation_list=glist)
    request_approve(actor=world["jinan"], request=glist.approval)
    request_approve(actor=world["province_admin"], request=glist.approval)
    cert = credentials.certificate_issue(
        actor=world["school_a"], graduation=glist.graduations.get(), principal_name="李校长"
    )
    credentials.certificates_publish(actor=world["jinan"], certificates=[cert])
    return {"student": student, "account": account, "cert": cert}


def test_student_sees_own_record_and_makes_a_verification_report(page, sign_in, world, graduate_with_account):
    from zhijiao.credentials.models import VerificationReport

    student, account, cert = (graduate_with_account[k] for k in ("student", "account", "cert"))
    sign_in(account)
    assert page.locator("#side-menu a[href='/students/me/']").inner_text().strip() == "我的学籍"
    assert page.locator("#side-menu a[href='/students/']").count() == 0

    # Own record: masked ID number, status and the history of changes and graduation.
    _menu(page, "/students/me/")
    assert page.locator("#student-name").inner_text().startswith("赵孟𫖯")
    assert student.id_number not in page.content()
    assert "*" in page.locator("#id-number").inner_text()
    assert "已毕业" in page.locator("#student-status").inner_text()
    history = page.locator("#change-list").inner_text()
    assert "留级" in history and "补修课程" in history
    assert "毕业" in page.locator("#graduation-list").inner_text()
    assert page.locator("#reveal-id").count() == 0
    # Someone else's record stays closed.
    other = page.goto(f"/students/{student.pk}/")
    assert other.status == 404
    assert all("404" in e for e in page.console_errors), page.console_errors
    page.console_errors.clear()
    page.goto("/")

    # Credentials: a report valid for 10 days, its PDF, then closed early.
    _menu(page, "/credentials/my/")
    assert cert.number in page.locator("main").inner_text()
    page.fill(f"#days-{cert.pk}", "10")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    report = VerificationReport.objects.get()
    assert report.validity_days == 10
    assert report.code in page.locator(".messages").inner_text()
    row = page.locator("main table tbody tr", has_text=report.code)
    with page.expect_download() as info:
        row.locator("a", has_text="PDF").click()
    assert info.value.path().read_bytes().startswith(b"%PDF")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "验证报告已关闭" in page.locator(".messages").inner_text()
    report.refresh_from_db()
    assert report.closed_at is not None
    assert "已关闭" in page.locator("main table tbody tr", has_text=report.code).inner_text()
    assert page.console_errors == []
