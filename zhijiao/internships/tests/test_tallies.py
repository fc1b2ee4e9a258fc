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
