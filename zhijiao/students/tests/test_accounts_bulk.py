"""Opening sign-in accounts for a whole class: the service (usernames, passwords, all-or-nothing,
scope, cap) and the page (scoped list, class filter, one-time PDF / XLSX sheet, bad input)."""

import subprocess

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from zhijiao.accounts.models import User
from zhijiao.core.audit import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect, xlsx_rows
from zhijiao.students import services
from zhijiao.students.models import Enrolment, Student
from zhijiao.students.services.accounts import PASSWORD_ALPHABET

from .factories import registered

pytestmark = pytest.mark.django_db

URL = "/students/accounts/bulk/"
STRONG = "Xuesheng#2027ab"


def in_class(student, class_name):
    Enrolment.objects.filter(student=student, is_current=True).update(class_name=class_name)
    return student


def with_registry(student, number):
    Student.objects.filter(pk=student.pk).update(registry_number=number)
    student.refresh_from_db()
    return student


def box(pk) -> str:
    return f'name="student" value="{pk}"'


def pdf_text(response) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    )
    return out.stdout.decode()


# --- the service -------------------------------------------------------------------------------------
def test_bulk_create_opens_and_links_accounts(world):
    a = with_registry(registered(world, name="王小明"), "G370102200801011234")
    b = registered(world, name="李小红")
    triples = services.student_accounts_bulk_create(actor=world["school_a"], students=[a, b])
    assert [t[0] for t in triples] == [a, b]
    (_, ua, pa), (_, ub, pb) = triples
    # Never the 学籍号 (it holds the ID number): the school's code and the record number.
    code = world.school_a.code[-5:]
    assert ua.username == f"s{code}-{a.pk}" and ub.username == f"s{code}-{b.pk}"
    assert "370102200801011234" not in ua.username
    for student, user, password in triples:
        student.refresh_from_db()
        assert student.user == user and user.display_name == student.name
        assert not user.role_assignments.exists() and user.check_password(password)
        assert len(password) == 10 and set(password) <= set(PASSWORD_ALPHABET)
        assert not set(password) & set("0O1lI")
        validate_password(password, user)  # the project's policy passes
        assert AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).exists()
        assert AuditEntry.objects.filter(object_type="students.student", object_id=str(student.pk)).exists()
    assert pa != pb


def test_bulk_create_username_collision_gets_a_suffix(world):
    s1 = registered(world, name="甲")
    s2 = registered(world, name="乙")
    code = world.school_a.code[-5:]
    User.objects.create_user(username=f"s{code}-{s1.pk}", password=STRONG)
    User.objects.create_user(username=f"s{code}-{s2.pk}", password=STRONG)
    User.objects.create_user(username=f"s{code}-{s2.pk}-2", password=STRONG)
    triples = services.student_accounts_bulk_create(actor=world["school_a"], students=[s1, s2])
    assert [u.username for _, u, _ in triples] == [f"s{code}-{s1.pk}-2", f"s{code}-{s2.pk}-3"]


def test_already_linked_student_refuses_the_whole_batch(world):
    fresh = registered(world, name="新生")
    linked = registered(world, name="老生")
    services.student_account_create(
        actor=world["school_a"], student=linked, username="stu_old", password=STRONG
    )
    users, audits = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.student_accounts_bulk_create(actor=world["school_a"], students=[fresh, linked])
    assert "老生" in str(exc.value)
    assert User.objects.count() == users and AuditEntry.objects.count() == audits
    fresh.refresh_from_db()
    assert fresh.user is None


def test_out_of_scope_student_refuses_the_whole_batch(world):
    mine = registered(world, name="本校生")
    theirs = registered(world, "b", name="外校生")
    users = User.objects.count()
    with pytest.raises(OutOfScope):
        services.student_accounts_bulk_create(actor=world["school_a"], students=[mine, theirs])
    assert User.objects.count() == users
    mine.refresh_from_db()
    assert mine.user is None


def test_batch_cap_and_empty_batch(world, settings):
    settings.STUDENTS_BULK_ACCOUNTS_MAX = 2
    students = [registered(world, name=f"学生{i}") for i in range(3)]
    users = User.objects.count()
    with pytest.raises(ValidationError, match="At most 2"):
        services.student_accounts_bulk_create(actor=world["school_a"], students=students)
    with pytest.raises(ValidationError, match="at least one"):
        services.student_accounts_bulk_create(actor=world["school_a"], students=[])
    assert User.objects.count() == users
    assert len(services.student_accounts_bulk_create(actor=world["school_a"], students=students[:2])) == 2


# --- the page ----------------------------------------------------------------------------------------
def test_page_needs_login_and_a_change_role(world, client, login):
    assert_login_redirect(client, URL)
    assert login(world["auditor"]).get(URL).status_code == 403


def test_get_lists_scoped_students_without_accounts_and_filters_by_class(world, login):
    one = in_class(registered(world, name="一班生"), "一班")
    two = in_class(registered(world, name="二班生"), "二班")
    linked = in_class(registered(world, name="有号生"), "一班")
    services.student_account_create(
        actor=world["school_a"], student=linked, username="stu_has", password=STRONG
    )
    other = registered(world, "b", name="青岛生")
    client = login(world["school_a"])
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert box(one.pk) in html and box(two.pk) in html
    assert box(linked.pk) not in html and "青岛生" not in html and box(other.pk) not in html
    assert "not stored and cannot be shown again" in html
    html = client.get(URL + "?class_name=一班").content.decode()
    assert box(one.pk) in html and box(two.pk) not in html
    # a school_b registrar cannot see school_a students
    html = login(world["school_b"]).get(URL).content.decode()
    assert box(other.pk) in html and box(one.pk) not in html and "一班生" not in html


def test_multi_school_user_filters_by_school(world, login):
    a = registered(world, name="济南生")
    b = registered(world, "b", name="青岛生")
    client = login(world["province_admin"])
    html = client.get(URL).content.decode()
    assert 'name="institution"' in html and box(a.pk) in html and box(b.pk) in html
    html = client.get(URL + f"?institution={world.school_b.pk}").content.decode()
    assert box(b.pk) in html and box(a.pk) not in html
    assert client.get(URL + "?institution=abc").status_code == 400
    assert client.get(URL + "?institution=99999999999999999999999").status_code == 400


def test_post_returns_the_pdf_sheet(world, login):
    a = in_class(with_registry(registered(world, name="王小明"), "G370102200801011234"), "1班")
    b = in_class(registered(world, name="李小红"), "1班")
    response = login(world["school_a"]).post(URL, {"student": [a.pk, b.pk], "format": "pdf"})
    text = pdf_text(response)
    assert response["Cache-Control"] == "no-store"
    assert "accounts-1" in response["Content-Disposition"] and ".pdf" in response["Content-Disposition"]
    a.refresh_from_db()
    b.refresh_from_db()
    for s in (a, b):
        assert s.user is not None
        assert s.name in text and s.user.username in text
    # The 学籍号 is printed masked (it holds the ID number).
    assert "G370102********1234" in text and "370102200801011234" not in text
    assert world.school_a.name in text
    assert "/accounts/login/" in text


def test_post_returns_the_xlsx_sheet(world, login):
    a = registered(world, name="王小明")
    response = login(world["school_a"]).post(URL, {"student": [a.pk], "format": "xlsx"})
    rows = xlsx_rows(response)
    assert response["Cache-Control"] == "no-store"
    a.refresh_from_db()
    assert len(rows) == 2
    school, class_name, name, _reg, username, password = rows[1]
    assert (school, name, username) == (world.school_a.name, "王小明", a.user.username)
    assert a.user.check_password(password)


def test_post_out_of_scope_or_linked_ids_write_nothing(world, login):
    mine = registered(world, name="本校生")
    theirs = registered(world, "b", name="外校生")
    linked = registered(world, name="有号生")
    services.student_account_create(
        actor=world["school_a"], student=linked, username="stu_has", password=STRONG
    )
    client = login(world["school_a"])
    users = User.objects.count()
    for ids in ([mine.pk, theirs.pk], [mine.pk, linked.pk], [mine.pk, 999999]):
        response = client.post(URL, {"student": ids, "format": "pdf"})
        assert response.status_code == 400
        assert "no account was created" in response.content.decode()
    assert User.objects.count() == users
    mine.refresh_from_db()
    assert mine.user is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"student": ["abc"], "format": "pdf"}, "not valid"),
        ({"student": ["99999999999999999999999"], "format": "pdf"}, "not valid"),
        ({"format": "pdf"}, "at least one"),
        ({"student": ["1"], "format": "doc"}, "PDF or Excel"),
    ],
)
def test_post_bad_input_is_400(world, login, data, message):
    registered(world)
    users = User.objects.count()
    response = login(world["school_a"]).post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.count() == users


def test_post_over_the_cap_is_400(world, login, settings):
    settings.STUDENTS_BULK_ACCOUNTS_MAX = 1
    a, b = registered(world, name="甲"), registered(world, name="乙")
    users = User.objects.count()
    response = login(world["school_a"]).post(URL, {"student": [a.pk, b.pk], "format": "pdf"})
    assert response.status_code == 400 and "At most 1" in response.content.decode()
    assert User.objects.count() == users


def test_get_list_query_count_is_bounded(world, login, django_assert_max_num_queries):
    registered(world, name="甲")
    client = login(world["school_a"])

    def grow():
        for i in range(8):
            in_class(registered(world, name=f"学生{i}"), f"{i % 3}班")

    assert_constant_queries(client, URL, grow, 14, django_assert_max_num_queries)


def test_student_list_links_to_the_page_with_its_class_filter(world, login):
    in_class(registered(world, name="一班生"), "一班")
    html = login(world["school_a"]).get("/students/?class_name=一班").content.decode()
    assert 'href="/students/accounts/bulk/?class_name=%E4%B8%80%E7%8F%AD"' in html
    assert "/students/accounts/bulk/" not in login(world["auditor"]).get("/students/").content.decode()
