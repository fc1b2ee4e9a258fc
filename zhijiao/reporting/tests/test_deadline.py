import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhijiao.core.lifecycle import fire
from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.models import Aggregate, Period, Submission
from zhijiao.reporting.services import submission_open, submission_save_values, submissions_decide
from zhijiao.reporting.services_deadline import close_overdue, entry_window_problem
from zhijiao.reporting.tasks import close_overdue as close_task

KEY = "reporting.submission"
DEADLINE = datetime.date(2099, 12, 31)
AFTER = DEADLINE + datetime.timedelta(days=1)


@pytest.fixture
def sub(world, period):
    return submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def approved(world, period):
    s = submission_open(actor=world["school_b"], institution=world.school_b, period=period)
    s = submission_save_values(
        actor=world["school_b"], submission=s, values={("teachers_total", ""): "7"}, revision=s.revision
    )
    s = fire(KEY, s, "submit", actor=world["school_b"])
    submissions_decide(actor=world["qingdao"], submissions=[s], decision="approve")
    submissions_decide(actor=world["province_admin"], submissions=[s], decision="approve")
    s.refresh_from_db()
    assert s.status == S.APPROVED
    return s


def test_entry_window(world, sub, period):
    assert entry_window_problem(sub, today=DEADLINE) is None
    assert "2099-12-31" in entry_window_problem(sub, today=AFTER)
    Period.objects.filter(pk=period.pk).update(opens_on=datetime.date(2099, 6, 1))
    sub.refresh_from_db()
    sub.period.refresh_from_db()
    assert "opens on 2099-06-01" in entry_window_problem(sub, today=datetime.date(2099, 5, 31))


def test_saving_after_the_deadline_is_refused(world, sub, period):
    Period.objects.filter(pk=period.pk).update(deadline=datetime.date(2020, 1, 1))
    sub = Submission.objects.get(pk=sub.pk)
    with pytest.raises(ValidationError) as exc:
        submission_save_values(
            actor=world["school_a"], submission=sub, values={("teachers_total", ""): "3"}, revision=0
        )
    assert "has passed" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        fire(KEY, sub, "submit", actor=world["school_a"])


def test_close_overdue_closes_drafts_and_locks_approved(world, sub, period):
    other = approved(world, period)
    assert close_overdue(today=DEADLINE) == {"closed": 0, "locked": 0}
    assert close_overdue(today=AFTER) == {"closed": 1, "locked": 1}
    sub.refresh_from_db()
    other.refresh_from_db()
    assert (sub.status, other.status) == (S.CLOSED, S.LOCKED)
    entry = AuditEntry.objects.filter(event="submission.closed").get()
    assert entry.actor_name == "system:reporting-deadline"
    # Twice is the same as once.
    assert close_overdue(today=AFTER) == {"closed": 0, "locked": 0}
    assert close_task.run(date=AFTER.isoformat()) == {"closed": 0, "locked": 0}


def test_province_reopens_one_school_audited(world, sub, period, login, client):
    other = approved(world, period)
    close_overdue(today=AFTER)
    rollup = Aggregate.objects.get(region=world.qingdao, element_code="teachers_total").total
    # Only the province re-opens.
    with pytest.raises(OutOfScope):
        fire(KEY, sub, "reopen", actor=world["jinan"], reason="补报")
    sub = fire(KEY, sub, "reopen", actor=world["province_admin"], reason="学校申请补报")
    assert sub.status == S.REOPENED
    # A form closed at the deadline was never in the rollups: re-opening it takes nothing back.
    assert Aggregate.objects.get(region=world.qingdao, element_code="teachers_total").total == rollup
    assert AuditEntry.objects.filter(event="submission.reopened", object_id=str(sub.pk)).exists()
    # The re-opened school enters values although the deadline passed; the other stays locked.
    Period.objects.filter(pk=period.pk).update(deadline=datetime.date(2020, 1, 1))
    sub = Submission.objects.get(pk=sub.pk)
    sub = submission_save_values(
        actor=world["school_a"], submission=sub, values={("teachers_total", ""): "3"}, revision=sub.revision
    )
    other.refresh_from_db()
    assert other.status == S.LOCKED
    login(world["school_b"])
    page = client.get(reverse("reporting:submission_form", args=[other.pk])).content.decode()
    assert "hx-post" not in page


def test_form_page_says_entry_is_closed(world, sub, period, login, client):
    Period.objects.filter(pk=period.pk).update(deadline=datetime.date(2020, 1, 1))
    login(world["school_a"])
    page = client.get(reverse("reporting:submission_form", args=[sub.pk])).content.decode()
    assert "The deadline (2020-01-01) has passed" in page
    assert 'name="action" value="save"' not in page


def test_beat_schedule_contributes_the_task():
    from django.apps import apps

    assert set(apps.get_app_config("reporting").beat_schedule) == {
        "reporting.close_overdue",
        "reporting.send_reminders",
    }
    assert apps.get_app_config("reporting").beat_schedule["reporting.close_overdue"]["task"] == (
        "reporting.close_overdue"
    )
