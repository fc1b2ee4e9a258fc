"""INT-OVERLAP: one student, one placement at a time (rules.rule_no_overlap, services.placement_dates_free)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhijiao.internships import rules, services
from zhijiao.internships.models import Placement
from zhijiao.internships.rules import HeldPeriod

pytestmark = pytest.mark.django_db

D = dt.date


def held(start, end):
    return HeldPeriod(start=start, end=end, status="Draft", host="Host")


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        (D(2025, 1, 1), D(2025, 1, 31), True),  # inside
        (D(2024, 12, 1), D(2025, 1, 10), True),  # ends on the first day of the other
        (D(2025, 3, 10), D(2025, 4, 30), True),  # starts on the last day of the other
        (D(2024, 12, 1), D(2025, 1, 9), False),  # ends the day before
        (D(2025, 3, 11), D(2025, 4, 30), False),  # starts the day after
    ],
)
def test_rule_no_overlap_counts_both_ends(start, end, clash):
    other = [held(D(2025, 1, 10), D(2025, 3, 10))]
    violations = rules.rule_no_overlap(start, end, other)
    assert bool(violations) is clash
    if clash:
        assert violations[0].rule_id == "INT-OVERLAP" and violations[0].severity == "block"
        assert "2025-01-10" in str(violations[0].message)
        assert "http" not in violations[0].source


def test_message_in_chinese(iw):
    from django.utils import translation

    enrolment = iw.student()
    iw.placement(enrolment, complete=False)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        iw.placement(enrolment, complete=False)
    message = exc.value.message_dict["start_date"][0]
    assert "同一时间只能" in message and iw.post.enterprise.name in message


def test_ended_placement_frees_the_period(iw):
    enrolment = iw.student()
    first = iw.placement(enrolment, complete=False)
    services.placement_end(actor=iw.school_admin, placement=first, reason="学生退出")
    second = iw.placement(enrolment, complete=False)
    assert second.pk != first.pk


def test_consecutive_placements_are_allowed(iw):
    enrolment = iw.student()
    mid = iw.start + dt.timedelta(days=30)
    iw.placement(enrolment, complete=False, data={"end_date": mid})
    iw.placement(enrolment, complete=False, data={"start_date": mid + dt.timedelta(days=1)})
    assert Placement.objects.filter(enrolment=enrolment).count() == 2


def test_moving_dates_onto_another_placement_is_refused(iw):
    enrolment = iw.student()
    mid = iw.start + dt.timedelta(days=30)
    first = iw.placement(enrolment, complete=False, data={"end_date": mid})
    second = iw.placement(enrolment, complete=False, data={"start_date": mid + dt.timedelta(days=1)})
    with pytest.raises(ValidationError):
        services.placement_update(actor=iw.school_admin, placement=second, data={"start_date": mid})
    second.refresh_from_db()
    assert second.start_date == mid + dt.timedelta(days=1)
    # Its own dates never clash with itself.
    services.placement_update(actor=iw.school_admin, placement=first, data={"monthly_pay": Decimal(3300)})


def test_other_schools_host_is_not_named(iw, world):
    """A transferred student's old placement: the new school learns the dates, not the host."""
    from django.utils import translation

    enrolment = iw.student()
    iw.placement(enrolment, complete=False)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.placement_dates_free(
            actor=world["school_b"], enrolment=enrolment, start_date=iw.start, end_date=iw.end
        )
    message = exc.value.message_dict["start_date"][0]
    assert iw.post.enterprise.name not in message and "another host" in message


def test_page_shows_the_refusal(iw, login):
    from django.urls import reverse

    enrolment = iw.student()
    iw.placement(enrolment, complete=False)
    client = login(iw.school_admin)
    response = client.post(
        reverse("internships:placement_add", args=[iw.plan.pk]),
        {
            "enrolment": enrolment.pk,
            "post": iw.post.pk,
            "start_date": iw.start.isoformat(),
            "end_date": iw.end.isoformat(),
            "monthly_pay": "3200",
            "arranged_via": "school",
        },
    )
    assert response.status_code == 400
    assert "同一时间只能" in response.content.decode()
    assert Placement.objects.filter(enrolment=enrolment).count() == 1


def test_api_refuses_with_the_envelope(iw):
    from zhijiao.core.testing_api import api_client, assert_error

    enrolment = iw.student()
    iw.placement(enrolment, complete=False)
    body = {
        "plan": iw.plan.pk,
        "enrolment": enrolment.pk,
        "post": iw.post.pk,
        "start_date": iw.start.isoformat(),
        "end_date": iw.end.isoformat(),
        "monthly_pay": "3200",
    }
    error = assert_error(api_client(iw.school_admin).post("/api/v1/placements/", body, format="json"), 400)
    assert "start_date" in error["details"]
    assert Placement.objects.filter(enrolment=enrolment).count() == 1
