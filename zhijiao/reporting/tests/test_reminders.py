import datetime

from zhijiao.core.lifecycle import fire
from zhijiao.core.models import Notification
from zhijiao.reporting.services import submission_open, submission_save_values
from zhijiao.reporting.services_deadline import reminders_send
from zhijiao.reporting.tasks import send_reminders

DEADLINE = datetime.date(2099, 12, 31)


def test_reminders_before_and_escalation_after(world, period):
    # School B submits; school A does not.
    b = submission_open(actor=world["school_b"], institution=world.school_b, period=period)
    b = submission_save_values(
        actor=world["school_b"], submission=b, values={("teachers_total", ""): "5"}, revision=b.revision
    )
    fire("reporting.submission", b, "submit", actor=world["school_b"])
    assert reminders_send(today=DEADLINE - datetime.timedelta(days=5)) == {"reminders": 0, "escalations": 0}
    week_before = DEADLINE - datetime.timedelta(days=7)
    assert reminders_send(today=week_before) == {"reminders": 1, "escalations": 0}
    note = Notification.objects.get()
    assert note.user == world["school_a"] and note.kind == "reporting_reminder"
    assert "2099-12-31" in note.title and "7" in note.title
    # Twice the same day: nothing more.
    assert send_reminders.run(date=week_before.isoformat()) == {"reminders": 0, "escalations": 0}
    day_after = DEADLINE + datetime.timedelta(days=1)
    assert reminders_send(today=day_after) == {"reminders": 0, "escalations": 1}
    note = Notification.objects.get(kind="reporting_escalation")
    assert note.user == world["jinan"] and world.school_a.name in note.title
    assert world.school_b.name not in note.title
    assert f"period={period.pk}" in note.link


def test_reminders_follow_who_reports(world, period):
    ds = period.data_set  # reported by 青岛 schools only
    ds.reporters = {"cities": ["370200"]}
    ds.save()
    reminders_send(today=DEADLINE - datetime.timedelta(days=1))
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["school_b"]
