"""The students' lifecycles on the kernel engine (core.lifecycle): the registration batch's
transition fired by the generic page and API action, the approval outcomes declared as data, the
typed audit events, and the node that must act now."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from zhijiao.core import lifecycle
from zhijiao.core.models import AuditEntry
from zhijiao.students import services
from zhijiao.students.choices import BatchStatus, EnrolmentStatus
from zhijiao.workflows import services as wf

from .factories import add_student

pytestmark = pytest.mark.django_db


def _batch(world, n=2, year=2026):
    for i in range(n):
        add_student(world, name=f"学生{i}", entry=datetime.date(year, 9, 1))
    return services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=year, term="autumn"
    )


def _events(obj):
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .exclude(event="")
        .order_by("id")
        .values_list("event", flat=True)
    )


def test_declared_lifecycles_are_discovered_from_app_configs():
    keys = set(lifecycle.all_lifecycles())
    assert {
        "students.registration",
        "students.status_change",
        "students.graduation",
        "internships.plan_filing",
        "workplan.report",
    } <= keys
    assert lifecycle.for_approval_kind("students.registration").model == "students.RegistrationBatch"


def test_submit_refused_with_the_guards_reason(world):
    batch = _batch(world, year=2024)  # its deadline, 2024-11-20, has passed
    with pytest.raises(ValidationError, match="deadline"):
        lifecycle.fire("students.registration", batch, "submit", actor=world["school_a"])
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT and batch.approval_id is None
    lc = lifecycle.get("students.registration")
    assert (
        lifecycle.refusal(lc, batch, lc.transition("submit"), {"today": datetime.date(2024, 10, 1)}) is None
    )


def test_outcomes_are_data_and_events_are_recorded(world):
    batch = services.batch_submit(
        actor=world["school_a"], batch=_batch(world), today=datetime.date(2026, 10, 1)
    )
    assert batch.status == BatchStatus.IN_REVIEW and batch.approval_id
    # The city must act now (for authorization: "approver at the current step").
    node = lifecycle.awaiting_node(batch)
    assert node is not None and node.pk == batch.approval.steps.get(order=1).region_id
    wf.request_return(actor=world["jinan"], request=batch.approval, comment="照片缺失")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RETURNED
    assert lifecycle.awaiting_node(batch) is None
    wf.request_resubmit(actor=world["school_a"], request=batch.approval)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IN_REVIEW
    wf.request_approve(actor=world["jinan"], request=batch.approval)
    wf.request_approve(actor=world["province_admin"], request=batch.approval)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_at is not None
    assert _events(batch) == ["registration.submitted", "registration.returned", "registration.approved"]
    request_events = _events(batch.approval)
    assert request_events[0] == "approval.submitted" and request_events[-1] == "approval.completed"
    assert "approval.returned" in request_events and "approval.resubmitted" in request_events
    enrolment = batch.enrolments.first()
    assert enrolment.status == EnrolmentStatus.REGISTERED
    assert _events(enrolment) == ["enrolment.registered"]


def test_cancel_outcome_releases_the_students_with_an_audit_entry(world):
    batch = services.batch_submit(
        actor=world["school_a"], batch=_batch(world), today=datetime.date(2026, 10, 1)
    )
    wf.request_cancel(actor=world["school_a"], request=batch.approval, comment="名单有误")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED and not batch.enrolments.exists()
    assert _events(batch)[-1] == "registration.cancelled"
    released = AuditEntry.objects.filter(object_type="students.enrolment", message="名单有误")
    assert released.count() == 2 and released.first().after == {"batch": None}


def test_generic_page_confirms_and_fires(world, login, english, monkeypatch):
    batch = _batch(world)
    url = reverse("core:lifecycle_students_registration_submit", args=[batch.pk])
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2026, 10, 1))
    assert login(world["school_b"]).get(url).status_code == 404  # another school's batch
    assert login(world["qingdao"]).get(url).status_code == 404  # another city's
    client = login(world["school_a"])
    page = client.get(url)
    assert page.status_code == 200 and "Confirm" in page.content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.IN_REVIEW
    again = client.post(url, {"reason": ""})
    assert again.status_code == 400 and "Only a draft batch can be submitted." in again.content.decode()


def test_api_action(world, login, monkeypatch):
    batch = _batch(world)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: datetime.date(2026, 10, 1))
    url = f"/api/v1/lifecycle/students.registration/{batch.pk}/submit/"
    assert login(world["school_b"]).post(url, {}, content_type="application/json").status_code == 404
    client = login(world["school_a"])
    assert (
        client.post("/api/v1/lifecycle/nope/1/submit/", {}, content_type="application/json").status_code
        == 404
    )
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == BatchStatus.IN_REVIEW
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400
