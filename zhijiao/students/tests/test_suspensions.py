"""休学 (教职成〔2010〕7号 第十七条): the length is the school's rule, army service as long as the
service, typed reasons, the reminder when it ends and the 退学 proposal after the grace period."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from zhijiao.core.models import Notification
from zhijiao.students import rules, services
from zhijiao.students.choices import ChangeKind, EnrolmentStatus, NotificationKind, SuspensionReason
from zhijiao.students.models import Enrolment, StatusChange
from zhijiao.students.tasks import suspension_reminders
from zhijiao.workflows import services as wf

from .factories import registered

pytestmark = pytest.mark.django_db
START = datetime.date(2025, 3, 1)


def _suspend(world, student, months, reason=SuspensionReason.ILLNESS, start=START):
    return services.status_change_request(
        actor=world["school_a"],
        student=student,
        kind=ChangeKind.SUSPEND,
        reason="申请休学",
        effective_date=start,
        months=months,
        suspension_reason=reason,
    )


def _approve(world, change):
    approval = change.approval
    deciders = {"city": "jinan", "province": "province_admin"}
    while approval.status == "in_review":
        step = approval.steps.filter(status="pending").order_by("order").first()
        approval = wf.request_approve(actor=world[deciders[step.level]], request=approval)
    change.refresh_from_db()
    return change


def test_reason_is_a_typed_choice(world):
    s = registered(world)
    with pytest.raises(ValidationError, match="reason for the suspension"):
        _suspend(world, s, 6, reason="")
    assert set(SuspensionReason.values) == {"illness", "army", "work", "other"}


def test_army_service_suspends_for_the_whole_service(world):
    s = registered(world)
    with pytest.raises(ValidationError, match="12"):
        _suspend(world, s, 24)  # illness: the school's 12 months
    change = _approve(world, _suspend(world, s, 24, reason=SuspensionReason.ARMY))
    assert change.status == "approved" and change.months == 24
    assert change.ends_on == datetime.date(2027, 3, 1)
    assert services.suspended_months_used(s) == 0  # army service does not count towards the limit


def test_length_is_a_parameter_with_school_override(world):
    s = registered(world)
    with override_settings(STUDENT_SUSPENSION_SINGLE_MONTHS=6):
        with pytest.raises(ValidationError, match="6"):
            _suspend(world, s, 7)
    world.school_a.code = "3137000001"
    world.school_a.save(update_fields=["code"])
    assert rules.suspension_limits(world.school_a) == (12, 24)
    with override_settings(STUDENT_SUSPENSION_SCHOOL_LIMITS={"3137000001": (18, 36)}):
        assert rules.suspension_limits(world.school_a) == (18, 36)
        assert rules.suspension_limits(world.school_b) == (12, 24)
        assert _suspend(world, s, 18).months == 18


def test_add_months_clamps_to_month_end():
    assert rules.add_months(datetime.date(2025, 1, 31), 1) == datetime.date(2025, 2, 28)
    assert rules.add_months(datetime.date(2025, 11, 15), 2) == datetime.date(2026, 1, 15)


def _inbox(world, kind):
    return list(
        Notification.objects.filter(user=world["school_a"], kind=kind).values_list("title", flat=True)
    )


def test_school_reminded_when_suspension_ends_and_withdrawal_proposed_after_grace(world):
    s = registered(world, name="李四")
    change = _approve(world, _suspend(world, s, 6))
    ends = datetime.date(2025, 9, 1)
    assert change.ends_on == ends
    # nothing early, a reminder 14 days before and on the day, once each
    assert services.suspensions_remind(today=ends - datetime.timedelta(days=20)) == {
        "ending": 0,
        "overdue": 0,
    }
    assert services.suspensions_remind(today=ends - datetime.timedelta(days=14))["ending"] == 1
    assert services.suspensions_remind(today=ends - datetime.timedelta(days=14))["ending"] == 0
    suspension_reminders(date=ends.isoformat())
    ending = _inbox(world, NotificationKind.SUSPENSION_ENDING)
    assert len(ending) == 2 and all("李四" in t and "2025-09-01" in t for t in ending)
    # within the two weeks' grace: not yet a 退学 candidate
    day14 = ends + datetime.timedelta(days=14)
    assert services.resume_overdue(day14) == []
    with pytest.raises(ValidationError, match="14"):
        services.withdrawal_propose(actor=world["school_a"], student=s, today=day14)
    assert services.suspensions_remind(today=day14)["overdue"] == 0
    day15 = ends + datetime.timedelta(days=15)
    assert [c.pk for c in services.resume_overdue(day15)] == [change.pk]
    assert services.suspensions_remind(today=day15)["overdue"] == 1
    assert services.suspensions_remind(today=day15 + datetime.timedelta(days=1))["overdue"] == 0
    assert len(_inbox(world, NotificationKind.RESUME_OVERDUE)) == 1
    proposal = services.withdrawal_propose(actor=world["school_a"], student=s, today=day15)
    assert proposal.kind == ChangeKind.WITHDRAW and proposal.status == "in_review"
    assert services.resume_overdue(day15) == []  # filed: no longer listed
    _approve(world, proposal)
    assert Enrolment.objects.get(student=s, is_current=True).status == EnrolmentStatus.WITHDRAWN


def test_grace_days_are_a_parameter_and_resumed_students_are_not_listed(world):
    s = registered(world)
    _approve(world, _suspend(world, s, 6))
    day = datetime.date(2025, 9, 5)
    assert services.resume_overdue(day) == []
    with override_settings(STUDENT_RESUME_GRACE_DAYS=3):
        assert len(services.resume_overdue(day)) == 1
        resume = services.status_change_request(
            actor=world["school_a"], student=s, kind=ChangeKind.RESUME, reason="复学", effective_date=day
        )
        assert services.resume_overdue(day) == []
        _approve(world, resume)
        assert services.resume_overdue(day) == []
    assert StatusChange.objects.filter(kind="resume", status="approved").count() == 1
