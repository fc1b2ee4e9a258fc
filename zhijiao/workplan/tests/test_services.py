"""Services: bad input changes nothing, scope, cycles, acknowledgements, reminders, escalation."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from zhijiao.core.models import AuditEntry, Notification
from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import blank_pdf
from zhijiao.workplan import rules, selectors, services
from zhijiao.workplan.choices import AssignmentStatus, Decision, NotificationKind, ReportStatus, TaskStatus
from zhijiao.workplan.models import (
    Acknowledgement,
    Dependency,
    Evidence,
    Milestone,
    ProgressReport,
)

D = datetime.date
PDF = blank_pdf()


def _at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=rules.time_zone())


# --- progress ------------------------------------------------------------------------------------


def test_progress_forward_and_complete(world, kp):
    task = kp(4)
    services.task_update_progress(actor=world["province_staff"], task=task, progress=40)
    task.refresh_from_db()
    assert task.progress == 40 and task.status == TaskStatus.IN_PROGRESS
    services.task_update_progress(
        actor=world["province_staff"], task=task, progress=100, today=D(2021, 11, 1)
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.COMPLETED and task.completed_on == D(2021, 11, 1)


@pytest.mark.parametrize("value", [-1, 101, "abc", "50.5", None, 1000])
def test_progress_outside_range_is_refused(world, kp, value):
    task = kp(4)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.task_update_progress(actor=world["province_staff"], task=task, progress=value)
    assert "progress" in exc.value.message_dict
    task.refresh_from_db()
    assert task.progress == 0 and AuditEntry.objects.count() == before


def test_progress_backwards_needs_a_reason(world, kp):
    task = kp(4)
    services.task_update_progress(actor=world["province_staff"], task=task, progress=60)
    with pytest.raises(ValidationError) as exc:
        services.task_update_progress(actor=world["province_staff"], task=task, progress=30)
    assert "reason" in exc.value.message_dict
    task.refresh_from_db()
    assert task.progress == 60
    services.task_update_progress(
        actor=world["province_staff"], task=task, progress=30, reason="统计口径调整"
    )
    task.refresh_from_db()
    assert task.progress == 30
    entry = AuditEntry.objects.filter(object_type="workplan.task", object_id=str(task.pk)).first()
    assert entry.message == "统计口径调整" and entry.after == {"progress": 30}


def test_city_cannot_touch_a_province_task(world, kp):
    with pytest.raises(OutOfScope):
        services.task_update_progress(actor=world["jinan"], task=kp(4), progress=10)
    with pytest.raises(OutOfScope):
        services.task_update_progress(actor=world["auditor"], task=kp(4), progress=10)


# --- milestones, alternatives, dependencies ------------------------------------------------------


def test_milestone_after_the_plan_year_is_refused(world, kp):
    with pytest.raises(ValidationError) as exc:
        services.milestone_create(
            actor=world["province_staff"], task=kp(4), title="x", due_date=D(2022, 1, 5)
        )
    assert "2021" in str(exc.value)
    with pytest.raises(ValidationError):
        services.milestone_create(
            actor=world["province_staff"], task=kp(4), title="x", due_date=D(2020, 12, 31)
        )
    assert not Milestone.objects.exists()


def test_milestone_alternatives(world, kp):
    ms = services.milestone_create(
        actor=world["province_staff"],
        task=kp(14),
        title="承办方案",
        due_date=D(2021, 3, 20),
        alternative_a="线下",
        alternative_b="线上线下结合",
        chosen_alternative="B",
    )
    assert ms.chosen_alternative == "B"
    with pytest.raises(ValidationError):
        services.milestone_create(
            actor=world["province_staff"],
            task=kp(14),
            title="y",
            due_date=D(2021, 4, 1),
            alternative_a="只有A",
            chosen_alternative="B",
        )


def test_dependency_cycles_are_refused(world, kp):
    a, b, c = kp(1), kp(2), kp(3)
    staff = world["province_staff"]
    services.dependency_add(actor=staff, task=a, depends_on=b)
    services.dependency_add(actor=staff, task=b, depends_on=c)
    with pytest.raises(ValidationError, match="circular"):
        services.dependency_add(actor=staff, task=c, depends_on=a)
    with pytest.raises(ValidationError):
        services.dependency_add(actor=staff, task=a, depends_on=a)
    with pytest.raises(ValidationError):
        services.dependency_add(actor=staff, task=a, depends_on=b)  # duplicate
    assert Dependency.objects.count() == 2


# --- assignments and scope -----------------------------------------------------------------------


def test_assignment_to_city_and_scope(world, kp):
    staff = world["province_staff"]
    asg = services.assignment_create(
        actor=staff, task=kp(10), region=world.jinan, title="报送扩招进展", due_date=D(2021, 6, 10)
    )
    assert asg.scope_path == world.jinan.path
    assert list(selectors.worklist(user=world["jinan"])) == [asg]
    assert not selectors.worklist(user=world["qingdao"]).exists()
    assert not selectors.assignment_list(user=world["qingdao"]).filter(pk=asg.pk).exists()
    assert not selectors.task_list(user=world["jinan"]).exists()  # tasks stay with the province
    # the city admin was told
    assert Notification.objects.filter(user=world["jinan"], kind=NotificationKind.ASSIGNMENT).count() == 1


def test_assignment_outside_the_assigners_scope(world, kp):
    staff = world["province_staff"]
    parent = services.assignment_create(
        actor=staff, task=kp(10), region=world.jinan, title="扩招", due_date=D(2021, 6, 10)
    )
    # 济南 passes it on to its own school: fine.
    child = services.assignment_create(
        actor=world["jinan"],
        task=kp(10),
        parent=parent,
        institution=world.school_a,
        title="报送本校扩招",
        due_date=D(2021, 6, 5),
    )
    assert child.scope_path == world.school_a.region.path
    assert list(selectors.worklist(user=world["school_a"])) == [child]
    # …but not to a Qingdao school, nor to another city, nor back to itself.
    for kwargs in ({"institution": world.school_b}, {"region": world.qingdao}, {"region": world.jinan}):
        with pytest.raises(OutOfScope):
            services.assignment_create(
                actor=world["jinan"], task=kp(10), parent=parent, title="x", due_date=D(2021, 6, 5), **kwargs
            )
    # A city cannot give out province tasks directly.
    with pytest.raises(OutOfScope):
        services.assignment_create(
            actor=world["jinan"], task=kp(10), institution=world.school_a, title="x", due_date=D(2021, 6, 5)
        )
    # Qingdao cannot pass on Jinan's assignment.
    with pytest.raises(OutOfScope):
        services.assignment_create(
            actor=world["qingdao"],
            task=kp(10),
            parent=parent,
            institution=world.school_b,
            title="x",
            due_date=D(2021, 6, 5),
        )


def test_assignment_needs_exactly_one_assignee(world, kp):
    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=world["province_staff"],
            task=kp(10),
            region=world.jinan,
            institution=world.school_a,
            title="x",
            due_date=D(2021, 6, 1),
        )
    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=world["province_staff"], task=kp(10), title="x", due_date=D(2021, 6, 1)
        )


# --- reports, evidence, acknowledgements ---------------------------------------------------------


def test_report_with_evidence_and_links(world, kp):
    task = kp(4)
    report = services.report_submit(
        actor=world["province_staff"],
        task=task,
        text="遴选通知已印发",
        progress=20,
        links=["/workplan/"],
        files=[SimpleUploadedFile("通知.pdf", PDF, content_type="application/pdf")],
    )
    task.refresh_from_db()
    assert task.progress == 20
    ev = Evidence.objects.get(report=report)
    assert ev.original_name == "通知.pdf" and ev.size == len(PDF) and ev.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00", content_type="application/octet-stream"), "file types"),
        (
            SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
            "not the kind of file",
        ),
        (SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf"), "empty"),
    ],
)
def test_disallowed_attachments_change_nothing(world, kp, upload, message):
    with pytest.raises(ValidationError, match=message):
        services.report_submit(
            actor=world["province_staff"], task=kp(4), text="x", progress=30, files=[upload]
        )
    assert not ProgressReport.objects.exists()
    assert kp(4).progress == 0


def test_huge_attachment_is_refused(world, kp, settings):
    settings.WORKPLAN_EVIDENCE_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    with pytest.raises(ValidationError, match="too large"):
        services.report_submit(actor=world["province_staff"], task=kp(4), text="x", files=[big])
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/no-such-page/", "relative/path"],
)
def test_links_must_be_platform_paths(world, kp, link):
    with pytest.raises(ValidationError):
        services.report_submit(actor=world["province_staff"], task=kp(4), text="x", links=[link])


def test_city_answers_and_owner_acknowledges(world, kp):
    task = kp(10)
    asg = services.assignment_create(
        actor=world["province_staff"], task=task, region=world.jinan, title="扩招", due_date=D(2021, 6, 10)
    )
    with pytest.raises(OutOfScope):
        services.report_submit(actor=world["qingdao"], assignment=asg, text="青岛冒名")
    rep = services.report_submit(actor=world["jinan"], assignment=asg, text="已完成录取")
    asg.refresh_from_db()
    assert asg.status == AssignmentStatus.SUBMITTED
    assert Notification.objects.filter(user=world["province_staff"], kind=NotificationKind.REPORT).exists()
    # The city cannot acknowledge its own answer; returning needs a reason.
    with pytest.raises(OutOfScope):
        services.report_acknowledge(actor=world["jinan"], report=rep, decision=Decision.ACCEPTED)
    with pytest.raises(ValidationError):
        services.report_acknowledge(actor=world["province_staff"], report=rep, decision=Decision.RETURNED)
    services.report_acknowledge(
        actor=world["province_staff"], report=rep, decision=Decision.RETURNED, reason="缺少分院校数据"
    )
    asg.refresh_from_db()
    rep.refresh_from_db()
    assert asg.status == AssignmentStatus.RETURNED and rep.status == ReportStatus.RETURNED
    assert Notification.objects.filter(user=world["jinan"], kind=NotificationKind.ACKNOWLEDGEMENT).exists()
    with pytest.raises(ValidationError, match="already"):
        services.report_acknowledge(actor=world["province_staff"], report=rep, decision=Decision.ACCEPTED)
    rep2 = services.report_submit(actor=world["jinan"], assignment=asg, text="已补充")
    services.report_acknowledge(actor=world["province_staff"], report=rep2, decision=Decision.ACCEPTED)
    asg.refresh_from_db()
    assert asg.status == AssignmentStatus.ACCEPTED
    with pytest.raises(ValidationError):
        services.report_submit(actor=world["jinan"], assignment=asg, text="再报")
    assert Acknowledgement.objects.count() == 2


def test_unanswered_counting_per_owner(world, kp, settings):
    settings.WORKPLAN_ANSWER_WITHIN_WORKING_DAYS = 3
    staff, admin = world["province_staff"], world["province_admin"]
    t4, t5 = kp(4), kp(5)
    t5.owner = admin
    t5.save(update_fields=["owner"])
    asg = services.assignment_create(
        actor=staff, task=t4, region=world.jinan, title="a", due_date=D(2021, 6, 30)
    )
    services.report_submit(actor=world["jinan"], assignment=asg, text="old", submitted_at=_at(D(2021, 6, 1)))
    services.report_submit(
        actor=world["jinan"], assignment=asg, text="fresh", submitted_at=_at(D(2021, 6, 11))
    )
    answered = services.report_submit(actor=staff, task=t5, text="answered", submitted_at=_at(D(2021, 6, 1)))
    services.report_acknowledge(
        actor=admin, report=answered, decision=Decision.ACCEPTED, answered_at=_at(D(2021, 6, 2))
    )
    # 15 June: 11 June (Fri) → 15 June has 14 (Dragon Boat) off, so only 15 June counts: fresh.
    rows = selectors.unanswered_counts(today=D(2021, 6, 15))
    assert [(r["owner"], r["n"]) for r in rows] == [(staff, 1)]
    rows = selectors.unanswered_counts(today=D(2021, 6, 18))
    assert [(r["owner"], r["n"]) for r in rows] == [(staff, 2)]
    # Scoped: a city user sees no owners' counts of province tasks it cannot see… but its own answers count.
    assert selectors.unanswered_counts(today=D(2021, 6, 18), user=world["qingdao"]) == []


def test_report_in_the_future_is_refused(world, kp):
    from django.utils import timezone

    with pytest.raises(ValidationError):
        services.report_submit(
            actor=world["province_staff"],
            task=kp(4),
            text="x",
            submitted_at=timezone.now() + datetime.timedelta(days=2),
        )


# --- reminders and escalation --------------------------------------------------------------------


def test_reminders_before_on_and_after(world, kp, settings, django_capture_on_commit_callbacks):
    settings.WORKPLAN_REMINDER_DAYS = (7, 1)
    settings.WORKPLAN_ESCALATE_AFTER_DAYS = 3
    staff, head = world["province_staff"], world["province_admin"]
    staff.email = "staff@example.cn"
    staff.save(update_fields=["email"])
    task = kp(9)  # due 2021-06-30
    task.plan.tasks.exclude(pk=task.pk).update(due_date=None)

    with django_capture_on_commit_callbacks(execute=True):
        counts = services.reminders_send(today=D(2021, 6, 23))
    assert counts["reminders"] == 1
    note = Notification.objects.get(user=staff)
    assert (
        note.kind == NotificationKind.REMINDER and "7" in note.title and note.link == task.get_absolute_url()
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["staff@example.cn"]

    # Idempotent per day.
    assert services.reminders_send(today=D(2021, 6, 23))["reminders"] == 0
    assert Notification.objects.filter(user=staff).count() == 1

    assert services.reminders_send(today=D(2021, 6, 25))["reminders"] == 0  # 5 days: no reminder
    services.reminders_send(today=D(2021, 6, 30))
    assert Notification.objects.filter(user=staff, kind=NotificationKind.DUE_TODAY).count() == 1

    services.reminders_send(today=D(2021, 7, 1))
    assert Notification.objects.filter(user=staff, kind=NotificationKind.OVERDUE).count() == 1
    assert not Notification.objects.filter(user=head, kind=NotificationKind.ESCALATION).exists()
    counts = services.reminders_send(today=D(2021, 7, 3))  # 3 days late: escalate to the head
    assert counts["escalations"] == 1
    esc = Notification.objects.get(user=head, kind=NotificationKind.ESCALATION)
    assert task.title in esc.title
    services.reminders_send(today=D(2021, 7, 3))
    assert Notification.objects.filter(user=head, kind=NotificationKind.ESCALATION).count() == 1
    # Completed tasks are quiet.
    services.task_update_progress(actor=staff, task=task, progress=100)
    assert services.reminders_send(today=D(2021, 7, 10)) == {
        "reminders": 0,
        "escalations": 0,
        "assignments": 0,
        "unanswered": 0,
    }
    assert AuditEntry.objects.filter(object_type="workplan.reminders").count() >= 5


def test_escalation_without_a_head_goes_to_province_admins(world, kp, plan):
    plan.head = None
    plan.save(update_fields=["head"])
    task = kp(9)
    plan.tasks.exclude(pk=task.pk).update(due_date=None)
    services.reminders_send(today=D(2021, 7, 3))
    assert (
        Notification.objects.filter(user=world["province_admin"], kind=NotificationKind.ESCALATION).count()
        == 1
    )


def test_overdue_assignment_reminds_the_node_and_the_assigner(world, kp, plan):
    plan.tasks.update(due_date=None)
    asg = services.assignment_create(
        actor=world["province_staff"], task=kp(10), region=world.jinan, title="扩招", due_date=D(2021, 6, 10)
    )
    Notification.objects.all().delete()
    services.reminders_send(today=D(2021, 6, 11))
    assert Notification.objects.filter(user=world["jinan"], kind=NotificationKind.OVERDUE).count() == 1
    assert (
        Notification.objects.filter(
            user=world["province_staff"], kind=NotificationKind.ESCALATION, link=asg.get_absolute_url()
        ).count()
        == 1
    )


def test_unanswered_reminder(world, kp, plan):
    plan.tasks.update(due_date=None)
    asg = services.assignment_create(
        actor=world["province_staff"], task=kp(10), region=world.jinan, title="扩招", due_date=D(2021, 12, 10)
    )
    services.report_submit(actor=world["jinan"], assignment=asg, text="done", submitted_at=_at(D(2021, 6, 1)))
    counts = services.reminders_send(today=D(2021, 6, 15))
    assert counts["unanswered"] == 1
    assert (
        Notification.objects.filter(user=world["province_staff"], kind=NotificationKind.UNANSWERED).count()
        == 1
    )


def test_send_reminders_command(world, plan, capsys):
    from django.core.management import call_command

    call_command("send_reminders", "--date", "2021-06-23")
    assert "reminders:" in capsys.readouterr().out


# --- forums --------------------------------------------------------------------------------------


def test_forum_rules(world, plan):
    staff = world["province_staff"]
    f = services.forum_create(
        actor=staff, plan=plan, theme="职教本科", date=D(2021, 5, 20), host=world.school_a
    )
    assert f.host == world.school_a
    with pytest.raises(ValidationError):
        services.forum_create(actor=staff, plan=plan, theme="不在主题中", date=D(2021, 5, 21))
    with pytest.raises(ValidationError):
        services.forum_create(actor=staff, plan=plan, theme="职教本科", date=D(2022, 1, 5))
    with pytest.raises(OutOfScope):
        services.forum_create(actor=world["jinan"], plan=plan, theme="职教本科", date=D(2021, 6, 20))
    # Every signed-in user sees the forums (visible to all schools).
    assert list(selectors.forum_list(user=world["school_b"], plan=plan)) == [f]
