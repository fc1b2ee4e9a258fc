"""Incident 直报: recorded and reported by the school within the time limit, followed up until closed,
escalated when overdue (as the sweep's system actor, with notifications); the student complaint channel
stays separate."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from zhijiao.core.models import AuditEntry, Notification
from zhijiao.core.services import OutOfScope
from zhijiao.internships.models import Incident
from zhijiao.internships.services import incidents
from zhijiao.internships.tasks import incidents_escalate


def _record(iw, *, learned_hours_ago=1, actor=None):
    now = timezone.now()
    return incidents.incident_record(
        actor=actor or iw.school_admin,
        institution=iw.w.school_a,
        data={
            "kind": "injury",
            "occurred_at": now - dt.timedelta(hours=learned_hours_ago + 1),
            "learned_at": now - dt.timedelta(hours=learned_hours_ago),
            "place": "车间",
            "summary": "学生手部划伤。",
        },
    )


@pytest.mark.django_db
def test_report_due_after_the_configured_limit_and_authorities_notified(iw):
    incident = _record(iw)
    assert incident.report_due_at == incident.learned_at + dt.timedelta(hours=24)
    with override_settings(INTERNSHIP_INCIDENT_REPORT_HOURS=2):
        short = _record(iw)
        assert short.report_due_at - short.learned_at == dt.timedelta(hours=2)
    incident = incidents.incident_report(actor=iw.school_admin, incident=incident)
    assert incident.status == "reported" and not incident.late
    notified = set(
        Notification.objects.filter(kind="incident_reported").values_list("user__username", flat=True)
    )
    assert {"jinan", "province_admin"} <= notified and "qingdao" not in notified
    with pytest.raises(ValidationError):
        incidents.incident_report(actor=iw.school_admin, incident=incident)


@pytest.mark.django_db
def test_only_the_school_records_and_reports(iw):
    with pytest.raises(OutOfScope):
        _record(iw, actor=iw.w["jinan"])
    incident = _record(iw)
    for user in (iw.w["jinan"], iw.w["school_b"]):
        with pytest.raises(OutOfScope):
            incidents.incident_report(actor=user, incident=incident)
    with pytest.raises(ValidationError):  # learned before it happened
        incidents.incident_record(
            actor=iw.school_admin,
            institution=iw.w.school_a,
            data={
                "kind": "missing",
                "occurred_at": timezone.now(),
                "learned_at": timezone.now() - dt.timedelta(days=1),
                "place": "宿舍",
                "summary": "失联",
            },
        )


@pytest.mark.django_db
def test_follow_ups_until_closed(iw):
    incident = incidents.incident_report(actor=iw.school_admin, incident=_record(iw))
    first_due = incident.followup_due_at
    incidents.incident_follow_up(actor=iw.school_admin, incident=incident, content="已就医。")
    incident.refresh_from_db()
    assert incident.followup_due_at >= first_due and incident.status == "reported"
    with pytest.raises(ValidationError):
        incidents.incident_follow_up(actor=iw.school_admin, incident=incident, content="  ")
    incidents.incident_follow_up(actor=iw.school_admin, incident=incident, content="已返岗。", final=True)
    incident.refresh_from_db()
    assert (incident.status, incident.followup_due_at) == ("closed", None)
    assert incident.followups.count() == 2
    with pytest.raises(ValidationError):
        incidents.incident_follow_up(actor=iw.school_admin, incident=incident, content="再次")


@pytest.mark.django_db
def test_overdue_reports_and_follow_ups_escalate_once_per_interval(iw):
    late = _record(iw, learned_hours_ago=30)  # due 24 h after: overdue, not reported
    in_time = _record(iw)
    followed = incidents.incident_report(actor=iw.school_admin, incident=_record(iw))
    Incident.objects.filter(pk=followed.pk).update(followup_due_at=timezone.now() - dt.timedelta(hours=1))
    assert incidents_escalate() == {"escalated": 2}
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert late.escalations == 1 and in_time.escalations == 0
    entry = AuditEntry.objects.filter(event="incident.escalated").first()
    assert entry.actor.username == "system:sweep"
    overdue = Notification.objects.filter(kind="incident_overdue")
    assert {"school_a", "jinan", "province_admin"} <= set(overdue.values_list("user__username", flat=True))
    assert incidents_escalate() == {"escalated": 0}  # not again within the interval
    later = timezone.now() + dt.timedelta(hours=25)
    assert incidents.incidents_escalate(now=later) == {"escalated": 3}  # the in-time one is late by then


@pytest.mark.django_db
def test_incident_pages(iw, login):
    client = login(iw.school_admin)
    now = timezone.localtime()
    data = {
        "kind": "death",
        "occurred_at": (now - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "learned_at": (now - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "宿舍",
        "summary": "示例",
        "people_affected": 1,
    }
    bad = client.post(reverse("internships:incident_add"), {**data, "kind": "nope"})
    assert bad.status_code == 400 and not Incident.objects.exists()
    ok = client.post(reverse("internships:incident_add"), data)
    assert ok.status_code == 302
    incident = Incident.objects.get()
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "向市、省直报" in page and "报告时限" in page
    client.post(reverse("internships:incident_report", args=[incident.pk]))
    client.post(reverse("internships:incident_follow_up", args=[incident.pk]), {"content": "处理中"})
    incident.refresh_from_db()
    assert incident.status == "reported" and incident.followups.count() == 1
    city = login(iw.w["jinan"])
    assert city.get(reverse("internships:incident_list")).status_code == 200
    assert city.get(incident.get_absolute_url()).status_code == 200
    assert login(iw.w["qingdao"]).get(incident.get_absolute_url()).status_code == 404
    assert (
        login(iw.w["jinan"]).post(reverse("internships:incident_report", args=[incident.pk])).status_code
        == 404
    )
