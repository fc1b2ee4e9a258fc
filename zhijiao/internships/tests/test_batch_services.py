"""Post changes, leave requests (core.lifecycle) and early termination."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhijiao.core.lifecycle import available
from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.internships import services
from zhijiao.internships.models import EarlyTermination, LeaveRequest, Placement, PostChange

pytestmark = pytest.mark.django_db


def second_post(iw, name="数据标注助理", enterprise=None, actor=None, **extra):
    return services.post_create(
        actor=actor or iw.host_user,
        data={
            "enterprise": enterprise or iw.w.ent_a,
            "name": name,
            "major_category": iw.w.major.major_class.category,
            "wage_standard": Decimal(4000),
            "lowest_grade_wage": Decimal(3000),
            "on_duty_staff": 50,
            **extra,
        },
    )


def events(obj):
    return list(
        AuditEntry.objects.filter(object_id=str(obj.pk), object_type=obj._meta.label_lower)
        .exclude(event="")
        .values_list("event", flat=True)
    )


class TestPostChange:
    def test_moves_the_placement_audited_and_rechecked(self, iw):
        p = iw.placement(activate=True)
        new = second_post(iw)
        change = services.placement_change_post(
            actor=iw.school_admin, placement=p, to_post=new, effective_on=iw.today, reason="岗位调整"
        )
        p.refresh_from_db()
        assert (p.post_id, p.enterprise_id, p.status) == (new.pk, new.enterprise_id, "active")
        assert (change.from_post_id, change.to_post_id, change.decided_by) == (
            iw.post.pk,
            new.pk,
            iw.school_admin,
        )
        assert "placement.post_changed" in events(change)
        assert p.checked_at is not None

    def test_a_change_breaking_a_rule_of_an_active_placement_is_refused_whole(self, iw):
        p = iw.placement(activate=True)
        bar = second_post(iw, name="酒吧服务员", venue_kind="bar")
        with pytest.raises(services.PlacementBlocked) as exc:
            services.placement_change_post(
                actor=iw.school_admin, placement=p, to_post=bar, effective_on=iw.today, reason="调岗"
            )
        assert any(v.rule_id.startswith("INT-") for v in exc.value.violations)
        p.refresh_from_db()
        assert p.post_id == iw.post.pk and not PostChange.objects.exists()

    def test_bad_input_and_scope(self, iw, world):
        p = iw.placement()
        new = second_post(iw)
        for kwargs, field in [
            ({"to_post": iw.post, "effective_on": iw.today, "reason": "x"}, "to_post"),
            ({"to_post": new, "effective_on": iw.end + dt.timedelta(days=1), "reason": "x"}, "effective_on"),
            ({"to_post": new, "effective_on": iw.today, "reason": "  "}, "reason"),
        ]:
            with pytest.raises(ValidationError) as exc:
                services.placement_change_post(actor=iw.school_admin, placement=p, **kwargs)
            assert field in exc.value.message_dict
        with pytest.raises(OutOfScope):
            services.placement_change_post(
                actor=world["school_b"], placement=p, to_post=new, effective_on=iw.today, reason="x"
            )
        assert not PostChange.objects.exists()


class TestLeave:
    def test_student_asks_mentor_approves(self, iw):
        p = iw.placement(activate=True)
        student = p.enrolment.student.user
        leave = services.leave_request_submit(
            actor=student, placement=p, kind="sick", start_date=iw.today, end_date=iw.today, reason="发烧"
        )
        assert leave.status == "requested" and "leave.requested" in events(leave)
        assert [t.name for t in available("internships.leave", leave, student)] == ["withdraw"]
        assert {t.name for t in available("internships.leave", leave, iw.mentor_user)} == {
            "approve",
            "refuse",
        }
        leave = services.leave_request_decide(actor=iw.mentor_user, leave=leave, approve=True)
        leave.refresh_from_db()
        assert (leave.status, leave.decided_by) == ("approved", iw.mentor_user)
        assert leave.decided_at is not None and "leave.approved" in events(leave)

    def test_refusal_needs_a_reason_and_strangers_cannot_decide(self, iw, world):
        p = iw.placement(activate=True)
        leave = services.leave_request_submit(
            actor=p.enrolment.student.user,
            placement=p,
            kind="personal",
            start_date=iw.today,
            end_date=iw.today + dt.timedelta(days=1),
            reason="家事",
        )
        with pytest.raises(ValidationError):
            services.leave_request_decide(actor=iw.school_admin, leave=leave, approve=False, note="")
        for stranger in (world["school_b"], iw.host_user, p.enrolment.student.user):
            with pytest.raises((OutOfScope, ValidationError)):
                services.leave_request_decide(actor=stranger, leave=leave, approve=True)
        leave = services.leave_request_decide(
            actor=iw.school_admin, leave=leave, approve=False, note="实习关键期"
        )
        assert (leave.status, leave.decision_note) == ("refused", "实习关键期")
        with pytest.raises(ValidationError):
            services.leave_request_withdraw(actor=p.enrolment.student.user, leave=leave)

    def test_bad_requests(self, iw):
        p = iw.placement(activate=True)
        student = p.enrolment.student.user
        ok = {"placement": p, "kind": "sick", "start_date": iw.today, "end_date": iw.today, "reason": "病"}
        services.leave_request_submit(actor=student, **ok)
        for change, field in [
            ({}, "start_date"),  # overlaps the first
            ({"kind": "holiday", "start_date": iw.today + dt.timedelta(days=3)}, "kind"),
            (
                {"start_date": iw.today + dt.timedelta(days=3), "end_date": iw.today + dt.timedelta(days=2)},
                "end_date",
            ),
            ({"start_date": iw.end, "end_date": iw.end + dt.timedelta(days=2)}, "start_date"),
            (
                {
                    "start_date": iw.today + dt.timedelta(days=5),
                    "end_date": iw.today + dt.timedelta(days=5),
                    "reason": "",
                },
                "reason",
            ),
        ]:
            with pytest.raises(ValidationError) as exc:
                services.leave_request_submit(actor=student, **(ok | change))
            assert field in exc.value.message_dict, change
        with pytest.raises(OutOfScope):
            services.leave_request_submit(
                actor=iw.school_admin, **(ok | {"start_date": iw.end, "end_date": iw.end})
            )
        draft = iw.placement()
        with pytest.raises(ValidationError):
            services.leave_request_submit(actor=draft.enrolment.student.user, **(ok | {"placement": draft}))
        assert LeaveRequest.objects.count() == 1


class TestTermination:
    def test_ends_the_placement_through_the_services(self, iw):
        p = iw.placement(activate=True)
        student = p.enrolment.student.user
        later = services.leave_request_submit(
            actor=student,
            placement=p,
            kind="personal",
            start_date=iw.today + dt.timedelta(days=20),
            end_date=iw.today + dt.timedelta(days=21),
            reason="事假",
        )
        t = services.placement_terminate(
            actor=iw.school_admin,
            placement=p,
            reason="health",
            explanation="学生因病不宜继续实习",
            ended_on=iw.today,
            decided_by_party="school",
        )
        p.refresh_from_db()
        later.refresh_from_db()
        assert (p.status, p.end_date) == ("ended", iw.today)
        assert "学生因病不宜继续实习" in p.status_reason
        assert (t.recorded_by, t.get_decided_by_party_display()) == (iw.school_admin, "学校")
        assert later.status == "withdrawn"
        assert "placement.terminated" in events(t) and "placement.ended" in events(p)

    def test_bad_input(self, iw, world):
        p = iw.placement(activate=True)
        ok = {
            "placement": p,
            "reason": "health",
            "explanation": "说明",
            "ended_on": iw.today,
            "decided_by_party": "school",
        }
        for change, field in [
            ({"reason": "boredom"}, "reason"),
            ({"decided_by_party": "nobody"}, "decided_by_party"),
            ({"explanation": ""}, "explanation"),
            ({"ended_on": iw.end + dt.timedelta(days=1)}, "ended_on"),
        ]:
            with pytest.raises(ValidationError) as exc:
                services.placement_terminate(actor=iw.school_admin, **(ok | change))
            assert field in exc.value.message_dict
        with pytest.raises(OutOfScope):
            services.placement_terminate(actor=world["school_b"], **ok)
        assert Placement.objects.get(pk=p.pk).status == "active" and not EarlyTermination.objects.exists()
        services.placement_terminate(actor=iw.school_admin, **ok)
        with pytest.raises(ValidationError):
            services.placement_terminate(actor=iw.school_admin, **ok)
