"""Pages added for the registrar: propose a graduation list, link a student's sign-in account;
plus scope, bad input and query budgets of the registry's list and detail pages."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import blank_pdf, make_user, small_png
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect
from zhijiao.students import services
from zhijiao.students.choices import ChangeKind, EnrolmentStatus
from zhijiao.students.models import Graduation, GraduationList, Student

from .factories import add_student, registered

pytestmark = pytest.mark.django_db

ADD = "/students/graduation-lists/add/"


def criteria(world, school="a", **extra) -> str:
    inst = world.school_a if school == "a" else world.school_b
    params = {"institution": inst.pk, "year": 2027, "graduation_date": "2027-07-01", **extra}
    return ADD + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def entry(student, *, credits=True, internship="pass", conduct="good", outcome="graduated") -> dict:
    pk = student.enrolments.get(is_current=True).pk
    data = {f"outcome-{pk}": outcome, f"internship-{pk}": internship, f"conduct-{pk}": conduct}
    if credits:
        data[f"credits-{pk}"] = "1"
    return data


def post_data(*students, action="create", **kw) -> dict:
    data = {"include": [s.enrolments.get(is_current=True).pk for s in students], action: "1"}
    for s in students:
        data.update(entry(s, **kw))
    return data


@pytest.fixture
def two(world):
    ok = registered(world, name="合格生")
    off = registered(world, name="休学生")
    off.enrolments.filter(is_current=True).update(status=EnrolmentStatus.SUSPENDED)
    return ok, off


# --- graduation list: create -------------------------------------------------------------------------
def test_add_needs_login_and_a_school_role(world, client, login):
    assert_login_redirect(client, ADD)
    assert login(world["auditor"]).get(ADD).status_code == 403
    index = login(world["school_a"]).get("/students/graduation-lists/").content.decode()
    assert f'href="{ADD}"' in index
    assert f'href="{ADD}"' not in login(world["auditor"]).get("/students/graduation-lists/").content.decode()


def test_add_page_lists_candidates_with_reasons(world, login, two):
    ok, off = two
    pending = add_student(world, name="待注册生")
    client = login(world["school_a"])
    first = client.get(ADD)
    assert first.status_code == 200
    assert f'<option value="{world.school_a.pk}" selected>' in first.content.decode()
    body = client.get(criteria(world)).content.decode()
    assert "合格生" in body and "休学生" in body and "待注册生" in body
    assert "status is “Suspended”, not registered" in body
    assert "required credits are not complete" in body
    # a student awaiting registration is listed but not chosen by default
    assert f'name="include" value="{pending.enrolments.get().pk}" checked' not in body
    assert f'name="include" value="{ok.enrolments.get().pk}" checked' in body
    # narrowing by class leaves out the others
    other = registered(world, name="二班生")
    other.enrolments.update(class_name="2班")
    body = client.get(criteria(world, class_name="2班")).content.decode()
    assert "二班生" in body and "合格生" not in body


def test_check_recomputes_and_writes_nothing(world, login, two):
    ok, off = two
    client = login(world["school_a"])
    response = client.post(criteria(world), post_data(ok, off, action="check"))
    assert response.status_code == 200
    body = response.content.decode()
    row = body.split(f'data-enrolment="{ok.enrolments.get().pk}"')[1].split("</tr>")[0]
    assert "Eligible" in row and "required credits" not in row
    assert "status is “Suspended”, not registered" in body
    assert not GraduationList.objects.exists()


def test_htmx_change_returns_only_the_eligibility(world, login, two):
    ok, off = two
    client = login(world["school_a"])
    response = client.post(criteria(world), post_data(ok, action="check"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    # only the eligibility cells, the summary and the errors, swapped out of band
    assert "<html" not in body and 'id="graduation-candidate-table"' not in body and "<select" not in body
    assert f'id="eligibility-{ok.enrolments.get().pk}" hx-swap-oob="true"' in body
    assert "1 chosen, 1 of them eligible." in body
    assert not GraduationList.objects.exists()


def test_create_records_each_entry_and_its_reasons(world, login, two):
    ok, off = two
    client = login(world["school_a"])
    response = client.post(criteria(world), post_data(ok, off))
    assert response.status_code == 302, response.content.decode()[:3000]
    glist = GraduationList.objects.get()
    assert response["Location"] == glist.get_absolute_url()
    assert (glist.institution, glist.year, glist.graduation_date) == (
        world.school_a,
        2027,
        datetime.date(2027, 7, 1),
    )
    grads = {g.enrolment.student.name: g for g in glist.graduations.select_related("enrolment__student")}
    assert grads["合格生"].ineligible_reasons == []
    assert grads["合格生"].credits_complete and grads["合格生"].conduct_grade == "good"
    assert grads["休学生"].ineligible_reasons == ["status is “Suspended”, not registered"]
    detail = client.get(glist.get_absolute_url()).content.decode()
    assert "status is “Suspended”, not registered" in detail and 'id="submit-list"' in detail


def test_reasons_in_chinese(world, login, two):
    ok, off = two
    client = login(world["school_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"  # chosen: these tests run in English
    body = client.get(criteria(world)).content.decode()
    assert "未修满规定学分" in body and "不是在籍" in body


def test_completion_swap_is_offered(world, login):
    s = registered(world, name="结业生")
    glist = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2025,
        graduation_date=datetime.date(2025, 7, 1),
        entries=[{"enrolment": s.enrolments.get(), "outcome": "completed"}],
    )
    services.graduation_approve(actor=world["province_admin"], graduation=glist.graduations.get())
    client = login(world["school_a"])
    url = ADD + f"?institution={world.school_a.pk}&year=2026&graduation_date=2026-03-01"
    response = client.post(url, post_data(s))
    assert response.status_code == 302
    new = Graduation.objects.exclude(graduation_list=glist).get()
    assert new.replaces == glist.graduations.get() and new.ineligible_reasons == []


def test_bad_input_writes_nothing(world, login, two):
    ok, off = two
    client = login(world["school_a"])
    # nobody chosen: the service's message
    response = client.post(criteria(world), {"create": "1"})
    assert response.status_code == 400 and "The list holds no students." in response.content.decode()
    # a value not on the list
    data = post_data(ok)
    data[f"conduct-{ok.enrolments.get().pk}"] = "superb"
    response = client.post(criteria(world), data)
    assert response.status_code == 400 and "choose a listed value" in response.content.decode()
    # another school's student smuggled in
    foreign = registered(world, "b", name="外校生")
    data = post_data(ok)
    data["include"].append(foreign.enrolments.get().pk)
    response = client.post(criteria(world), data)
    assert response.status_code == 400 and "is not among this school" in response.content.decode()
    # a date outside the graduation year, an offering of another school
    response = client.post(criteria(world, graduation_date="2026-07-01"), post_data(ok))
    assert response.status_code == 400 and "not in the graduation year" in response.content.decode()
    response = client.post(criteria(world, offering=world.offering_b.pk), post_data(ok))
    assert response.status_code == 400
    assert not GraduationList.objects.exists() and not Graduation.objects.exists()


def test_another_school_is_out_of_reach(world, login, two):
    ok, off = two
    foreign = registered(world, "b", name="外校生")
    client = login(world["school_a"])
    body = client.get(criteria(world, "b")).content.decode()
    assert "外校生" not in body and "graduation-candidate-table" not in body
    response = client.post(criteria(world, "b"), post_data(foreign))
    assert response.status_code == 400
    assert not GraduationList.objects.exists()
    # a list of school A is a 404 for school B
    glist = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2027,
        graduation_date=datetime.date(2027, 7, 1),
        entries=[{"enrolment": ok.enrolments.get()}],
    )
    school_b = login(world["school_b"])
    assert school_b.get(glist.get_absolute_url()).status_code == 404
    assert school_b.post(glist.get_absolute_url(), {"submit": "1"}).status_code == 404
    glist.refresh_from_db()
    assert glist.status == "draft"


def test_city_proposes_for_a_school_of_its_city(world, login, two):
    ok, off = two
    client = login(world["jinan"])
    assert client.post(criteria(world), post_data(ok)).status_code == 302
    assert login(world["qingdao"]).post(criteria(world), post_data(ok)).status_code == 400
    assert GraduationList.objects.count() == 1


def test_approved_list_shows_certificate_numbers(world, login, two):
    from zhijiao.credentials import services as credentials
    from zhijiao.workflows.services import request_approve

    ok, off = two
    client = login(world["school_a"])
    client.post(criteria(world), post_data(ok))
    glist = GraduationList.objects.get()
    client.post(glist.get_absolute_url(), {"submit": "1"})
    glist.refresh_from_db()
    request_approve(actor=world["jinan"], request=glist.approval)
    request_approve(actor=world["province_admin"], request=glist.approval)
    body = client.get(glist.get_absolute_url()).content.decode()
    assert 'id="issue-certificates"' in body
    grad = glist.graduations.get()
    cert = credentials.certificates_issue_bulk(
        actor=world["school_a"], graduations=[grad], principal_name="校长", issue_date=datetime.date.today()
    )[0]
    body = client.get(glist.get_absolute_url()).content.decode()
    assert cert.number in body and 'id="issue-certificates"' not in body


# --- the student's sign-in account -------------------------------------------------------------------
def test_link_and_unlink_an_account(world, login):
    s = registered(world)
    account = make_user("stu_link")
    client = login(world["school_a"])
    assert 'id="student-account"' in client.get(s.get_absolute_url()).content.decode()
    url = f"/students/{s.pk}/account/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"username": " STU_link "})
    assert response.status_code == 302 and response["Location"] == s.get_absolute_url()
    s.refresh_from_db()
    assert s.user == account
    assert login(account).get("/students/me/").status_code == 200
    client = login(world["school_a"])
    assert client.post(url, {"unlink": "1"}).status_code == 302
    s.refresh_from_db()
    assert s.user is None


def test_link_refuses_staff_unknown_and_taken_accounts(world, login):
    s = registered(world)
    other = registered(world, name="另一生")
    taken = make_user("stu_taken")
    services.student_link_account(actor=world["school_a"], student=other, user=taken)
    client = login(world["school_a"])
    url = f"/students/{s.pk}/account/"
    for username in ("province_admin", "nobody", ""):
        response = client.post(url, {"username": username})
        assert response.status_code == 400
    assert (
        "There is no student account with this username."
        in client.post(url, {"username": "jinan"}).content.decode()
    )
    response = client.post(url, {"username": "stu_taken"})
    assert response.status_code == 400
    assert "This account already belongs to another student." in response.content.decode()
    s.refresh_from_db()
    assert s.user is None


def test_link_service_refuses_staff_accounts(world):
    s = registered(world)
    with pytest.raises(ValidationError):
        services.student_link_account(actor=world["school_a"], student=s, user=world["school_b"])
    inactive = make_user("stu_gone", is_active=False)
    with pytest.raises(ValidationError):
        services.student_link_account(actor=world["school_a"], student=s, user=inactive)
    assert Student.objects.get(pk=s.pk).user is None


def test_account_page_scope(world, login):
    s = registered(world)
    account = make_user("stu_scope")
    url = f"/students/{s.pk}/account/"
    assert login(world["school_b"]).get(url).status_code == 404
    assert login(world["school_b"]).post(url, {"username": "stu_scope"}).status_code == 404
    assert login(world["auditor"]).get(url).status_code == 403
    assert login(world["auditor"]).post(url, {"username": "stu_scope"}).status_code == 403
    assert 'id="student-account"' not in login(world["auditor"]).get(s.get_absolute_url()).content.decode()
    assert login(world["qingdao"]).get(url).status_code == 404
    s.refresh_from_db()
    assert s.user is None and account.pk


def test_create_an_account_for_the_student(world, login):
    from zhijiao.accounts.models import User
    from zhijiao.core.audit import AuditEntry

    s = registered(world)
    client = login(world["school_a"])
    url = f"/students/{s.pk}/account/"
    strong = "Xuesheng#2027ab"
    response = client.post(
        url, {"create": "1", "new_username": "stu_new01", "password1": strong, "password2": strong}
    )
    assert response.status_code == 302
    s.refresh_from_db()
    user = User.objects.get(username="stu_new01")
    assert s.user == user and user.display_name == s.name
    assert not user.role_assignments.exists() and user.check_password(strong)
    assert AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).exists()
    assert login(user).get("/students/me/").status_code == 200
    # a student with an account gets no second one
    with pytest.raises(ValidationError):
        services.student_account_create(
            actor=world["school_a"], student=s, username="stu_new02", password=strong
        )
    assert not User.objects.filter(username="stu_new02").exists()


@pytest.mark.parametrize(
    "data, field_message",
    [
        (
            {"new_username": "jinan", "password1": "Xuesheng#2027ab", "password2": "Xuesheng#2027ab"},
            "already exists",
        ),
        ({"new_username": "stu_x", "password1": "Xuesheng#2027ab", "password2": "Xuesheng#2027ac"}, "differ"),
        ({"new_username": "stu_x", "password1": "123", "password2": "123"}, "password"),
        ({"new_username": "", "password1": "Xuesheng#2027ab", "password2": "Xuesheng#2027ab"}, "required"),
    ],
)
def test_create_account_bad_input_writes_nothing(world, login, data, field_message):
    from zhijiao.accounts.models import User

    s = registered(world)
    before = User.objects.count()
    response = login(world["school_a"]).post(f"/students/{s.pk}/account/", {"create": "1", **data})
    assert response.status_code == 400
    assert field_message in response.content.decode().lower()
    assert User.objects.count() == before
    s.refresh_from_db()
    assert s.user is None


def test_create_account_out_of_scope(world, login):
    from zhijiao.accounts.models import User

    s = registered(world)
    strong = "Xuesheng#2027ab"
    data = {"create": "1", "new_username": "stu_scope2", "password1": strong, "password2": strong}
    assert login(world["school_b"]).post(f"/students/{s.pk}/account/", data).status_code == 404
    assert login(world["auditor"]).post(f"/students/{s.pk}/account/", data).status_code == 403
    with pytest.raises(OutOfScope):
        services.student_account_create(
            actor=world["school_b"], student=s, username="stu_scope2", password=strong
        )
    assert not User.objects.filter(username="stu_scope2").exists()


# --- reachability and query budgets ------------------------------------------------------------------
def test_registrar_reaches_every_flow_from_the_pages(world, login):
    s = registered(world)
    client = login(world["school_a"])
    home = client.get("/").content.decode()
    for path in (
        "/students/",
        "/students/batches/",
        "/students/status-changes/",
        "/students/graduation-lists/",
        "/imports/",
    ):
        assert f'href="{path}"' in home, path
    roster = client.get("/students/").content.decode()
    assert 'href="/students/add/"' in roster and 'href="/imports/students/"' in roster
    assert 'href="/students/batches/add/"' in client.get("/students/batches/").content.decode()
    detail = client.get(s.get_absolute_url()).content.decode()
    assert f'href="/students/{s.pk}/status-change/"' in detail
    assert f'href="/students/{s.pk}/account/"' in detail
    assert 'href="/approvals/' in home
    city = login(world["jinan"]).get("/").content.decode()
    assert 'href="/approvals/' in city


def _grad_list(world, n, start=0):
    students = [registered(world, name=f"毕业{start + i}") for i in range(n)]
    return services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2027 + start,
        graduation_date=datetime.date(2027 + start, 7, 1),
        entries=[{"enrolment": st.enrolments.get()} for st in students],
    )


def test_graduation_list_add_page_budget(world, login, django_assert_max_num_queries):
    """Eligibility of every candidate is checked without a query per student."""
    registered(world, name="学生甲")
    client = login(world["school_a"])
    grow = lambda: [registered(world, name=f"学生{i}") for i in range(6)]  # noqa: E731
    assert_constant_queries(client, criteria(world), grow, 30, django_assert_max_num_queries)


def test_graduation_list_index_budget(world, login, django_assert_max_num_queries):
    _grad_list(world, 1)
    client = login(world["school_a"])
    grow = lambda: [_grad_list(world, 1, start=i) for i in range(1, 6)]  # noqa: E731
    assert_constant_queries(client, "/students/graduation-lists/", grow, 12, django_assert_max_num_queries)


def test_graduation_list_detail_budget(world, login, django_assert_max_num_queries):
    glist = _grad_list(world, 1)
    client = login(world["school_a"])

    def grow():
        for i in range(6):
            st = registered(world, name=f"追加{i}")
            Graduation.objects.create(
                enrolment=st.enrolments.get(),
                outcome="graduated",
                graduation_date=glist.graduation_date,
                graduation_list=glist,
            )

    assert_constant_queries(client, glist.get_absolute_url(), grow, 30, django_assert_max_num_queries)


def test_batch_pages_budget(world, login, django_assert_max_num_queries):
    add_student(world, name="批次一")
    batch = services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=2024, term="autumn"
    )
    client = login(world["school_a"])

    def grow():
        for i in range(6):
            add_student(world, name=f"批次{i}").enrolments.update(batch=batch)

    assert_constant_queries(client, batch.get_absolute_url(), grow, 25, django_assert_max_num_queries)
    assert_constant_queries(client, "/students/batches/", lambda: None, 12, django_assert_max_num_queries)


def test_status_change_list_budget(world, login, django_assert_max_num_queries):
    def change(i):
        services.status_change_request(
            actor=world["school_a"],
            student=registered(world, name=f"异动{i}"),
            kind=ChangeKind.RETAIN,
            reason="留级",
            effective_date=datetime.date(2025, 3, 1),
        )

    change(0)
    client = login(world["school_a"])
    grow = lambda: [change(i) for i in range(1, 6)]  # noqa: E731
    assert_constant_queries(client, "/students/status-changes/", grow, 14, django_assert_max_num_queries)


def test_status_change_page_takes_attachments(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhijiao.students.models import StatusChange

    s = registered(world)
    client = login(world["school_a"])
    url = f"/students/{s.pk}/status-change/"
    base = {
        "kind": "suspend",
        "reason": "病休",
        "effective_date": "2025-03-01",
        "months": "6",
        "suspension_reason": "illness",
    }
    bad = SimpleUploadedFile("note.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post(url, {**base, "attachments": [bad]})
    assert response.status_code == 200 and "note.pdf" in response.content.decode()
    assert not StatusChange.objects.exists()
    files = [
        SimpleUploadedFile("a.pdf", blank_pdf(), content_type="application/pdf"),
        SimpleUploadedFile("b.png", small_png(), content_type="image/png"),
    ]
    response = client.post(url, {**base, "attachments": files})
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert sorted(a.original_name for a in change.attachments.all()) == ["a.pdf", "b.png"]
    assert "a.pdf" in client.get(change.get_absolute_url()).content.decode()
