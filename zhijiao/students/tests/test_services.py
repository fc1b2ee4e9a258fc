import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import blank_pdf
from zhijiao.students import rules, services
from zhijiao.students.choices import BatchStatus, ChangeKind, EnrolmentStatus, Grade, SuspensionReason
from zhijiao.students.models import Enrolment, Graduation, RegistrationBatch, StatusChange, Student
from zhijiao.students.selectors import student_is_eligible_for_exams, student_is_eligible_for_internship
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest

from .factories import add_student, new_id, registered

pytestmark = pytest.mark.django_db
S = EnrolmentStatus


def approve_all(world, approval, *users):
    for name in users:
        approval = wf.request_approve(actor=world[name], request=approval)
    return approval


# --- identity ------------------------------------------------------------------------------------
def test_create_checks_id_birth_and_gender(world):
    number = new_id(birth="20080101", male=True)
    with pytest.raises(ValidationError) as exc:
        services.student_create(
            actor=world["school_a"],
            data={
                "institution": world.school_a,
                "offering": world.offering_a,
                "name": "李四",
                "id_number": number,
                "gender": "female",
                "birth_date": datetime.date(2008, 1, 2),
                "entry_date": datetime.date(2024, 9, 1),
            },
        )
    assert set(exc.value.message_dict) == {"gender", "birth_date"}
    bad = number[:-1] + ("0" if number[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.student_create(
            actor=world["school_a"],
            data={
                "institution": world.school_a,
                "offering": world.offering_a,
                "name": "李四",
                "id_number": bad,
                "entry_date": datetime.date(2024, 9, 1),
            },
        )
    assert "id_number" in exc.value.message_dict
    assert not Student.objects.exists()


def test_create_fills_birth_date_and_audits(world):
    s = add_student(world, actor=world["school_a"], name="欧阳䶮")
    assert s.birth_date == datetime.date(2008, 1, 1)
    assert s.enrolments.get().status == S.PENDING
    entry = AuditEntry.objects.get(object_type="students.student", object_id=str(s.pk))
    assert "*" in entry.after["id_number"]


def test_private_use_name_is_flagged(world):
    s = add_student(world, name="王\ue000")
    assert s.name_flagged
    assert not add_student(world, name="王𪚥").name_flagged


def test_school_cannot_add_to_other_school(world):
    with pytest.raises(OutOfScope):
        add_student(world, "b", actor=world["school_a"])


def test_duplicate_in_other_city_names_city_only(world):
    number = new_id()
    add_student(world, "b", number=number)
    with pytest.raises(ValidationError) as exc:
        add_student(world, "a", number=number, actor=world["school_a"])
    message = exc.value.message_dict["id_number"][0]
    assert "青岛市" in message and "青岛第一职业中专" not in message
    with pytest.raises(ValidationError) as exc:
        add_student(world, "a", number=number, actor=world["province_admin"])
    assert "青岛第一职业中专" in exc.value.message_dict["id_number"][0]


# --- registration --------------------------------------------------------------------------------
def _batch(world, n=2, year=2024):
    for i in range(n):
        add_student(world, name=f"学生{i}", entry=datetime.date(year, 9, 1))
    return services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=year, term="autumn"
    )


def test_registration_flow_issues_registry_numbers(world):
    batch = _batch(world)
    assert batch.deadline == datetime.date(2024, 11, 20)
    batch = services.batch_submit(actor=world["school_a"], batch=batch, today=datetime.date(2024, 10, 1))
    assert batch.status == BatchStatus.IN_REVIEW
    approval = batch.approval
    # out of order: the province may not approve before the city
    with pytest.raises(ValidationError, match="(?i)out of order|Only"):
        wf.request_approve(actor=world["province_admin"], request=approval)
    with pytest.raises(ValidationError, match="(?i)out of order"):
        wf.request_approve(actor=world["province_admin"], request=approval, step=approval.steps.get(order=2))
    approve_all(world, approval, "jinan", "province_admin")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED
    for e in batch.enrolments.select_related("student"):
        assert e.status == S.REGISTERED
        assert e.student.registry_number == "G" + e.student.id_number
        rules.validate_registry_number(e.student.registry_number)


def test_other_city_cannot_decide(world):
    batch = services.batch_submit(
        actor=world["school_a"], batch=_batch(world), today=datetime.date(2024, 10, 1)
    )
    with pytest.raises(OutOfScope):
        wf.request_approve(actor=world["qingdao"], request=batch.approval)
    with pytest.raises(ValidationError):
        wf.request_approve(actor=world["school_a"], request=batch.approval)


def test_late_batch_needs_province_override(world):
    batch = _batch(world)
    with pytest.raises(ValidationError, match="deadline"):
        services.batch_submit(actor=world["school_a"], batch=batch, today=datetime.date(2024, 11, 21))
    with pytest.raises(ValidationError):
        services.batch_override_deadline(actor=world["jinan"], batch=batch, reason="x")
    with pytest.raises(ValidationError):
        services.batch_override_deadline(actor=world["province_admin"], batch=batch, reason=" ")
    services.batch_override_deadline(actor=world["province_admin"], batch=batch, reason="台风停课")
    batch = services.batch_submit(actor=world["school_a"], batch=batch, today=datetime.date(2024, 11, 21))
    assert batch.status == BatchStatus.IN_REVIEW


@override_settings(STUDENT_REGISTRATION_DEADLINES={"autumn": (12, 31), "spring": (4, 20)})
def test_deadline_configurable(world):
    assert rules.registration_deadline(2024, "autumn") == datetime.date(2024, 12, 31)


def test_return_resubmit_and_cancel(world):
    batch = services.batch_submit(
        actor=world["school_a"], batch=_batch(world), today=datetime.date(2024, 10, 1)
    )
    with pytest.raises(ValidationError):
        wf.request_return(actor=world["jinan"], request=batch.approval, comment="")
    wf.request_return(actor=world["jinan"], request=batch.approval, comment="照片缺失")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RETURNED
    with pytest.raises(ValidationError):
        wf.request_approve(actor=world["jinan"], request=batch.approval)
    wf.request_resubmit(actor=world["school_a"], request=batch.approval)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IN_REVIEW
    wf.request_cancel(actor=world["school_a"], request=batch.approval, comment="重新整理")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED
    assert Enrolment.objects.filter(batch__isnull=True, status=S.PENDING).count() == 2
    assert list(batch.approval.events.values_list("kind", flat=True)) == [
        "submit",
        "return",
        "resubmit",
        "cancel",
    ]


def test_registry_number_reused_and_temporary(world):
    s = add_student(world, name="旧号")
    Student.objects.filter(pk=s.pk).update(registry_number="G" + s.id_number)
    assert (
        rules.registry_number_for(
            id_type="resident_id",
            id_number="x",
            existing="Gabc",
            temporary_serial=None,
            province_code="370000",
            year=2024,
        )
        == "Gabc"
    )
    number = rules.registry_number_for(
        id_type="passport",
        id_number="E1",
        existing=None,
        temporary_serial=5,
        province_code="370000",
        year=2024,
    )
    assert number.startswith("L3700002024") and len(number) == 19
    rules.validate_registry_number(number)
    with pytest.raises(ValidationError):
        rules.validate_registry_number("X" + number[1:])


def test_one_registry_per_person_rule():
    rules.check_one_registry_per_person(other_current_schools=[])
    with pytest.raises(ValidationError):
        rules.check_one_registry_per_person(other_current_schools=["某校"])


# --- state machine ---------------------------------------------------------------------------------
def test_terminal_states_have_no_exit():
    table = rules.allowed_transitions()
    assert table[S.WITHDRAWN] == frozenset() and table[S.GRADUATED] == frozenset()
    for kind in ChangeKind:
        for terminal in (S.WITHDRAWN, S.GRADUATED):
            with pytest.raises(ValidationError):
                rules.check_change_allowed(kind, terminal)
    with pytest.raises(ValidationError):
        rules.check_transition(S.GRADUATED, S.REGISTERED)
    rules.check_transition(S.COMPLETED, S.GRADUATED)


def _change(world, student, kind, **kw):
    kw.setdefault("effective_date", datetime.date(2025, 3, 1))
    if kind == ChangeKind.SUSPEND:
        kw.setdefault("suspension_reason", SuspensionReason.ILLNESS)
    return services.status_change_request(
        actor=world["school_a"], student=student, kind=kind, reason="申请", **kw
    )


def test_suspend_blocks_eligibility_and_limits(world):
    s = registered(world)
    assert student_is_eligible_for_internship(s) and student_is_eligible_for_exams(s)
    with pytest.raises(ValidationError):
        _change(world, s, ChangeKind.SUSPEND, months=13)
    change = _change(world, s, ChangeKind.SUSPEND, months=12)
    approve_all(world, change.approval, "jinan")  # filed with the city (XJ-FILING)
    s = Student.objects.get(pk=s.pk)
    assert not student_is_eligible_for_internship(s) and not student_is_eligible_for_exams(s)
    with pytest.raises(ValidationError):
        _change(world, s, ChangeKind.SUSPEND, months=1)  # only from studying
    resume = _change(world, s, ChangeKind.RESUME)
    approve_all(world, resume.approval, "jinan")
    change = _change(world, s, ChangeKind.SUSPEND, months=12)
    approve_all(world, change.approval, "jinan")  # filed with the city (XJ-FILING)
    resume = _change(world, s, ChangeKind.RESUME)
    approve_all(world, resume.approval, "jinan")
    with pytest.raises(ValidationError, match="24"):
        _change(world, s, ChangeKind.SUSPEND, months=1)


def test_withdraw_is_final(world):
    s = registered(world)
    change = _change(world, s, ChangeKind.WITHDRAW)
    with pytest.raises(ValidationError):
        _change(world, s, ChangeKind.RETAIN)  # one change in review at a time
    approve_all(world, change.approval, "jinan")
    with pytest.raises(ValidationError, match="final"):
        _change(world, s, ChangeKind.RESUME)


def test_transfer_to_other_city_moves_student_and_keeps_history(world):
    s = registered(world)
    change = _change(
        world,
        s,
        ChangeKind.TRANSFER,
        target_institution=world.school_b,
        target_offering=world.offering_b,
        target_class_name="2班",
    )
    steps = [(st.level, str(st.node)) for st in change.approval.steps.order_by("order")]
    assert steps == [
        ("institution", "青岛第一职业中专"),
        ("city", "济南市"),
        ("city", "青岛市"),
        ("province", "山东省"),
    ]
    with pytest.raises(ValidationError, match="(?i)out of order"):
        wf.request_approve(
            actor=world["jinan"], request=change.approval, step=change.approval.steps.get(order=2)
        )
    approve_all(world, change.approval, "school_b", "jinan", "qingdao", "province_admin")
    s.refresh_from_db()
    assert s.current_institution == world.school_b
    history = list(s.enrolments.order_by("id").values_list("institution_id", "status", "is_current"))
    assert history == [(world.school_a.pk, S.TRANSFERRED_OUT, False), (world.school_b.pk, S.REGISTERED, True)]
    assert StatusChange.objects.get(pk=change.pk).status == "approved"
    # The change stays the sending school's (its scope column), the receiving one reads it by the approval.
    assert StatusChange.objects.get(pk=change.pk).institution_id == world.school_a.pk


def test_transfer_needs_target_offering(world):
    s = registered(world)
    with pytest.raises(ValidationError):
        _change(
            world, s, ChangeKind.TRANSFER, target_institution=world.school_b, target_offering=world.offering_a
        )


def test_preserve_only_at_higher(world):
    with pytest.raises(ValidationError):
        _change(world, registered(world), ChangeKind.PRESERVE)


def test_attachment_type_and_size(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    s = registered(world)
    with pytest.raises(ValidationError):
        _change(world, s, ChangeKind.RETAIN, attachments=[SimpleUploadedFile("a.exe", b"MZ")])
    with pytest.raises(ValidationError):
        _change(world, s, ChangeKind.RETAIN, attachments=[SimpleUploadedFile("a.pdf", b"not a pdf")])
    change = _change(world, s, ChangeKind.RETAIN, attachments=[SimpleUploadedFile("a.pdf", blank_pdf())])
    assert change.attachments.count() == 1


# --- graduation ---------------------------------------------------------------------------------------
def test_graduation_list_eligibility_and_approval(world):
    good, bad = registered(world, name="合格"), registered(world, name="不合格")
    entries = [
        {
            "enrolment": good.enrolments.get(),
            "credits_complete": True,
            "internship_grade": Grade.PASS,
            "conduct_grade": Grade.GOOD,
        },
        {
            "enrolment": bad.enrolments.get(),
            "credits_complete": False,
            "internship_grade": Grade.FAIL,
            "conduct_grade": Grade.PASS,
        },
    ]
    glist = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2027,
        graduation_date=datetime.date(2027, 7, 1),
        entries=entries,
    )
    reasons = Graduation.objects.get(enrolment__student=bad).ineligible_reasons
    assert len(reasons) == 2
    glist = services.graduation_list_submit(actor=world["school_a"], graduation_list=glist)
    approve_all(world, glist.approval, "jinan", "province_admin")
    g = Graduation.objects.get(enrolment__student=good)
    assert g.status == "approved" and g.approved_by == world["province_admin"]
    assert g.enrolment.status == S.GRADUATED
    assert Graduation.objects.get(enrolment__student=bad).status == "rejected"
    with pytest.raises(ValidationError):
        _change(world, Student.objects.get(pk=good.pk), ChangeKind.RESUME)


def test_incomplete_needs_one_year_and_completion_swap(world):
    with pytest.raises(ValidationError):
        rules.check_incomplete_one_year(entry_date=datetime.date(2024, 9, 1), on=datetime.date(2025, 8, 1))
    rules.check_incomplete_one_year(entry_date=datetime.date(2024, 9, 1), on=datetime.date(2025, 9, 1))
    s = registered(world)
    e = s.enrolments.get()
    glist = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2027,
        graduation_date=datetime.date(2027, 7, 1),
        entries=[{"enrolment": e, "outcome": "completed"}],
    )
    glist = services.graduation_list_submit(actor=world["school_a"], graduation_list=glist)
    approve_all(world, glist.approval, "jinan", "province_admin")
    e.refresh_from_db()
    assert e.status == S.COMPLETED
    original = Graduation.objects.get(enrolment=e)
    too_soon = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2027,
        graduation_date=datetime.date(2027, 9, 1),
        entries=[
            {
                "enrolment": e,
                "replaces": original,
                "credits_complete": True,
                "internship_grade": "pass",
                "conduct_grade": "pass",
            }
        ],
    )
    assert too_soon.graduations.get().ineligible_reasons
    ok = services.graduation_list_create(
        actor=world["school_a"],
        institution=world.school_a,
        year=2028,
        graduation_date=datetime.date(2028, 3, 1),
        entries=[
            {
                "enrolment": e,
                "replaces": original,
                "credits_complete": True,
                "internship_grade": "pass",
                "conduct_grade": "pass",
            }
        ],
    )
    assert ok.graduations.get().ineligible_reasons == []
    ok = services.graduation_list_submit(actor=world["school_a"], graduation_list=ok)
    approve_all(world, ok.approval, "jinan", "province_admin")
    e.refresh_from_db()
    assert e.status == S.GRADUATED
    assert ApprovalRequest.objects.filter(kind="students.graduation", status="approved").count() == 2


def test_registration_batch_scope(world):
    with pytest.raises(OutOfScope):
        services.batch_create(actor=world["school_b"], institution=world.school_a, year=2024, term="autumn")
    assert not RegistrationBatch.objects.exists()


# --- XJ-FILING: which changes go to the province ---------------------------------------------------
def _levels(change):
    return [(st.level, str(st.node)) for st in change.approval.steps.order_by("order")]


def test_most_changes_are_filed_with_the_city(world):
    s = registered(world)
    change = _change(world, s, ChangeKind.SUSPEND, months=6)
    assert _levels(change) == [("city", "济南市")]
    approve_all(world, change.approval, "jinan")
    assert StatusChange.objects.get(pk=change.pk).status == "approved"


def test_transfer_within_the_city_stays_with_the_city(world):
    from zhijiao.core.testing import InstitutionFactory
    from zhijiao.majors.models import InstitutionMajor

    other = InstitutionFactory(name="济南第二职业中专", region=world.school_a.region)
    offering = InstitutionMajor.objects.create(
        institution=other, major=world.offering_a.major, start_year=world.offering_a.start_year
    )
    change = _change(
        world, registered(world), ChangeKind.TRANSFER, target_institution=other, target_offering=offering
    )
    assert _levels(change) == [("institution", "济南第二职业中专"), ("city", "济南市")]


def test_filing_level_per_kind_is_configurable(world):
    assert rules.change_filing_level(ChangeKind.TRANSFER, cross_city=True) == "province"
    assert rules.change_filing_level(ChangeKind.TRANSFER) == "city"
    levels = {"withdraw": "province", "transfer_cross_city": "city"}
    with override_settings(STUDENT_CHANGE_FILING_LEVELS=levels):
        assert rules.change_filing_level(ChangeKind.TRANSFER, cross_city=True) == "city"
        change = _change(world, registered(world), ChangeKind.WITHDRAW)
        assert _levels(change) == [("city", "济南市"), ("province", "山东省")]
    with override_settings(STUDENT_CHANGE_FILING_LEVELS={"withdraw": "ministry"}):
        with pytest.raises(ValueError):
            rules.change_filing_level(ChangeKind.WITHDRAW)
