"""Placement, open-alert and blocked-placement tallies (internships.tallies) follow the services and
the sweep's statements; the count selectors read them and say the same as counting the rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from zhijiao.core import counters
from zhijiao.internships import selectors, services
from zhijiao.internships.models import Alert, Placement

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="tallies are PostgreSQL triggers")


def _alert(p, rule, severity="block"):
    now = timezone.now()
    return Alert.objects.create(
        placement=p,
        institution_id=p.institution_id,
        enterprise_id=p.enterprise_id,
        rule_id=rule,
        severity=severity,
        message="x",
        first_seen=now,
        last_seen=now,
    )


def _live_blocked(user) -> int:
    return (
        selectors.placement_list(user=user)
        .filter(status="active", alerts__resolved_at__isnull=True, alerts__severity="block")
        .distinct()
        .count()
    )


def _check(iw):
    for user in (iw.province, iw.school_admin, iw.w["school_b"]):
        by_status: dict = {}
        for p in Placement.objects.filter(pk__in=selectors.placement_list(user=user).values("pk")):
            by_status[p.status] = by_status.get(p.status, 0) + 1
        assert counters.tally("placements", user, by=("k1",)) == by_status
        assert counters.tally("blocked", user) == _live_blocked(user)
        open_alerts = selectors.alert_list(user=user).filter(resolved_at__isnull=True)
        assert counters.tally("alerts_open", user) == open_alerts.count()


def test_tallies_follow_placements_and_alerts(iw):
    a = iw.placement(activate=True)
    b = iw.placement(activate=True)
    iw.placement()  # a draft
    _check(iw)
    first = _alert(a, "INT-1")
    _alert(a, "INT-2")  # a second blocking alert on the same placement: still one blocked placement
    _alert(b, "INT-3", severity="warn")
    _check(iw)
    assert counters.tally("blocked", iw.province) == 1
    Alert.objects.filter(pk=first.pk).update(resolved_at=timezone.now())
    _check(iw)
    Alert.objects.filter(placement=a).update(
        resolved_at=timezone.now()
    )  # the sweep resolves in one statement
    _check(iw)
    assert counters.tally("blocked", iw.province) == 0
    _alert(b, "INT-4")
    services.placement_end(actor=iw.school_admin, placement=Placement.objects.get(pk=b.pk), reason="结束")
    _check(iw)  # an ended placement is no longer counted as blocked
    assert counters.tally("alerts_open", iw.province) == 2


def test_placement_and_alert_counts_read_the_tallies(iw, monkeypatch):
    a = iw.placement(activate=True)
    iw.placement(activate=True)
    _alert(a, "INT-1")
    _alert(a, "INT-5", severity="warn")
    expected = {"total": 2, "by_status": {"active": 2}, "active": 2, "blocked": 1}
    assert selectors.placement_counts(user=iw.province) == expected
    assert selectors.open_alert_counts(user=iw.province) == {
        "total": 2,
        "by_severity": {"block": 1, "warn": 1},
    }
    monkeypatch.setattr(counters, "available", lambda: False)  # counted, as on SQLite
    assert selectors.placement_counts(user=iw.province) == expected
    assert selectors.open_alert_counts(user=iw.province) == {
        "total": 2,
        "by_severity": {"block": 1, "warn": 1},
    }


# --- each plan's placement count (a column the triggers keep) -------------------------------------------
def _plan_counts() -> dict:
    from zhijiao.internships.models import InternshipPlan

    return dict(InternshipPlan.objects.values_list("pk", "placement_count"))


def _counted() -> dict:
    from django.db.models import Count

    from zhijiao.internships.models import InternshipPlan

    return dict(InternshipPlan.objects.annotate(n=Count("placements")).values_list("pk", "n"))


def test_plan_placement_count_follows_every_write(iw):
    from zhijiao.internships import tallies
    from zhijiao.internships.models import InternshipPlan

    other = services.plan_create(
        actor=iw.school_admin,
        data={
            "institution": iw.w.school_a,
            "offering": iw.w.offering_a,
            "title": "另一方案",
            "kind": "post",
            "cohort_year": 2024,
            "start_date": iw.plan.start_date,
            "end_date": iw.plan.end_date,
        },
    )
    a = iw.placement(activate=True)
    b = iw.placement()
    iw.placement()
    assert _plan_counts() == _counted() == {iw.plan.pk: 3, other.pk: 0}
    services.placement_end(actor=iw.school_admin, placement=Placement.objects.get(pk=a.pk), reason="结束")
    assert _plan_counts()[iw.plan.pk] == 3  # an ended placement still belongs to its plan
    Placement.objects.filter(pk=b.pk).update(plan=other)  # moved in one statement
    assert _plan_counts() == _counted() == {iw.plan.pk: 2, other.pk: 1}
    Placement.objects.filter(plan=iw.plan).delete()
    assert _plan_counts() == _counted() == {iw.plan.pk: 0, other.pk: 1}
    # A plan saved from a copy read before the placements changed does not write its stale count back.
    stale = InternshipPlan.objects.get(pk=other.pk)
    iw.placement()  # into iw.plan
    Placement.objects.filter(plan=iw.plan).update(plan=other)
    services.plan_update(actor=iw.school_admin, plan=stale, data={"title": "另一方案（修订）"})
    assert _plan_counts() == _counted() == {iw.plan.pk: 0, other.pk: 2}
    # The recount agrees with the triggers and repairs a count that drifted.
    InternshipPlan.objects.filter(pk=other.pk).update(placement_count=99)
    tallies.plan_count_rebuild()
    assert _plan_counts() == _counted()


def test_plan_list_reads_the_count_without_counting(iw, login):
    from django.test.utils import CaptureQueriesContext

    iw.placement()
    iw.placement()
    client = login(iw.province)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/internships/plans/", {"sort": "-placement_count"})
    assert response.status_code == 200
    assert [row.record.placement_count for row in response.context["table"].page.object_list] == [2]
    assert not any('FROM "internships_placement"' in q["sql"] for q in ctx.captured_queries)
