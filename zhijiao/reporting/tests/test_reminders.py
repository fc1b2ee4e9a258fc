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
    assert reminders_send(today=DEADLINE - datetime.timedelta(days=5)) == {
        "reminders": 0,
        "escalations": 0,
        "province": 0,
    }
    week_before = DEADLINE - datetime.timedelta(days=7)
    assert reminders_send(today=week_before) == {"reminders": 1, "escalations": 0, "province": 0}
    note = Notification.objects.get()
    assert note.user == world["school_a"] and note.kind == "reporting_reminder"
    assert "2099-12-31" in note.title and "7" in note.title
    # Twice the same day: nothing more.
    assert send_reminders.run(date=week_before.isoformat()) == {
        "reminders": 0,
        "escalations": 0,
        "province": 0,
    }
    day_after = DEADLINE + datetime.timedelta(days=1)
    # After: the city (its school that has not reported) and the province (province_admin and
    # province_staff: 济南 has a school missing, both cities' own returns are missing).
    assert reminders_send(today=day_after) == {"reminders": 0, "escalations": 1, "province": 2}
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


def test_province_summary_names_cities_with_missing_or_late_returns(world, period):
    from zhijiao.reporting import services

    day_after = DEADLINE + datetime.timedelta(days=1)
    # 青岛: its school submitted after the deadline (re-opened), its own return accepted.
    b = submission_open(actor=world["school_b"], institution=world.school_b, period=period)
    b = submission_save_values(
        actor=world["school_b"], submission=b, values={("teachers_total", ""): "5"}, revision=b.revision
    )
    b = fire("reporting.submission", b, "submit", actor=world["school_b"])
    from zhijiao.reporting.models import Submission

    Submission.objects.filter(pk=b.pk).update(
        submitted_at=datetime.datetime(2100, 1, 1, 4, tzinfo=datetime.UTC)
    )
    ds = period.data_set
    ds.reporters = {"city_return": "any_time"}
    ds.save()
    ret = services.city_submission_open(actor=world["qingdao"], city=world.qingdao, period=period)
    ret = fire("reporting.city_submission", ret, "submit", actor=world["qingdao"])
    fire("reporting.city_submission", ret, "accept", actor=world["province_admin"])

    counts = reminders_send(today=day_after)
    assert counts["province"] == 2
    notes = Notification.objects.filter(kind="reporting_province_escalation")
    assert set(notes.values_list("user__username", flat=True)) == {"province_admin", "province_staff"}
    note = notes.first()
    assert "2 cities" in note.title and "2099-12-31" in note.title
    assert "济南市（1 schools not reported、city return not submitted）" in note.body
    assert "青岛市（1 schools late）" in note.body
    assert f"period={period.pk}" in note.link and "city-returns" in note.link
    assert reminders_send(today=day_after)["province"] == 0  # once a day
