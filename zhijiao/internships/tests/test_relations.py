"""Relationships declared on the models (``scope_relations``) as ``restrict`` applies them: the
student's own placement and its records, a current mentor's, and the actions only a relationship
grants (a student files a 直报, submits a report, confirms pay)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from zhijiao.core.scoping import reaches_beyond_tree, restrict
from zhijiao.core.services import OutOfScope
from zhijiao.internships import services
from zhijiao.internships.models import CheckIn, DirectReport, MentorAssignment, PayRecord, Placement, Report


@pytest.fixture
def placed(iw):
    return iw.placement(activate=True)


def test_the_student_and_the_current_mentor_reach_the_placement_and_its_records(iw, world, placed):
    student = placed.enrolment.student.user
    other = iw.placement(activate=True)
    for user in (student, iw.mentor_user):
        seen = set(restrict(Placement.objects.all(), user, "view"))
        assert placed in seen
        assert (other in seen) == (user == iw.mentor_user)  # the mentor mentors both
        assert not restrict(Placement.objects.all(), user, "change").exists()
    assert set(restrict(Placement.objects.all(), other.enrolment.student.user)) == {other}
    # Staff of another school see neither: they are not the person and not assigned.
    assert not restrict(Placement.objects.filter(pk=placed.pk), world["school_b"]).exists()


def test_a_mentor_who_stepped_down_no_longer_reaches_it(iw, placed):
    MentorAssignment.objects.filter(placement=placed, user=iw.mentor_user).update(is_current=False)
    assert not restrict(Placement.objects.filter(pk=placed.pk), iw.mentor_user).exists()


def test_a_staff_account_is_never_the_person(iw, world, placed):
    """Staff act through their grants: linking a school admin's account to a student gives nothing more."""
    from zhijiao.students.models import Student

    Student.objects.filter(pk=placed.enrolment.student_id).update(user=world["school_b"])
    assert not restrict(Placement.objects.filter(pk=placed.pk), world["school_b"]).exists()


def test_relationships_are_left_out_where_they_add_nothing(iw, world, placed):
    """The province's list keeps the plain tree condition; a mentor's adds the EXISTS."""
    assert not reaches_beyond_tree(Placement, world["province_admin"])
    assert "EXISTS" not in str(restrict(Placement.objects.all(), world["province_admin"]).query)
    assert not reaches_beyond_tree(Placement, world["school_b"])
    assert reaches_beyond_tree(Placement, iw.mentor_user)
    assert "EXISTS" in str(restrict(Placement.objects.all(), iw.mentor_user).query)
    assert reaches_beyond_tree(Placement, placed.enrolment.student.user)
    # Figures of an organisation count its subtree only.
    assert not restrict(Placement.objects.all(), iw.mentor_user, tree_only=True).exists()


def test_the_student_writes_what_the_relationships_allow_and_nothing_else(iw, world, placed):
    student = placed.enrolment.student.user
    report = services.report_submit(
        actor=student,
        placement=placed,
        data={
            "kind": "day",
            "title": "实习日报",
            "period_start": iw.today,
            "period_end": iw.today,
            "content": "今天学习测试用例",
        },
    )
    assert restrict(Report.objects.filter(pk=report.pk), student, "submit").exists()
    assert not restrict(Report.objects.filter(pk=report.pk), student, "change").exists()
    filed = services.direct_report_submit(
        actor=student, data={"category": "safety", "occurred_on": iw.today, "content": "车间没有防护"}
    )
    assert restrict(DirectReport.objects.filter(pk=filed.pk), student, "view").exists()
    # Filing is not answering: the student may not respond as the school.
    assert not restrict(DirectReport.objects.filter(pk=filed.pk), student, "change").exists()
    with pytest.raises(OutOfScope):
        services.direct_report_respond(actor=student, report=filed, response="已处理")
    pay = services.pay_record(
        actor=iw.host_user,
        placement=placed,
        data={"period": iw.start, "amount": Decimal(3200), "paid_on": iw.today, "method": "bank_transfer"},
    )
    services.pay_confirm(actor=student, record=pay, received_amount=Decimal(3000))
    assert PayRecord.objects.get(pk=pay.pk).received_amount == Decimal(3000)
    other = iw.placement(activate=True).enrolment.student.user
    with pytest.raises(OutOfScope):
        services.pay_confirm(actor=other, record=pay, received_amount=Decimal(1))


def test_check_ins_follow_their_placement(iw, placed):
    checkin = CheckIn.objects.create(
        placement=placed,
        kind="START",
        occurred_at=dt.datetime.now(dt.UTC),
        latitude=Decimal("36.651200"),
        longitude=Decimal("117.120000"),
        client_key="rel-test-1",
    )
    assert restrict(CheckIn.objects.filter(pk=checkin.pk), placed.enrolment.student.user).exists()
    assert restrict(CheckIn.objects.filter(pk=checkin.pk), iw.mentor_user).exists()
    # The audit log files it where its placement's school is (derived from the scope declaration).
    assert checkin.audit_scope_path() == placed.institution.region.path != ""
