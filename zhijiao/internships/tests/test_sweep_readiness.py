"""The nightly sweep reads the host and readiness rules of the 2021 text too (INT-HOST-VETTED,
INT-HOST-BLACKLIST, INT-TRAINING, INT-OUTSIDE), set-based in its single SQL pass, the same as the pure
rules: a host blacklisted or withdrawn from the list after the start raises an alert; each rule applies
to a placement with a day on or after 2021-12-31 and not to one wholly under the 2016 rules."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhijiao.core import lifecycle
from zhijiao.internships import sweep
from zhijiao.internships.models import Alert, HostAssessment, Placement, PlacementSafety
from zhijiao.internships.services import safety, vetting

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the single-pass SQL sweep is PostgreSQL's"),
]

READINESS = {"INT-HOST-VETTED", "INT-HOST-BLACKLIST", "INT-TRAINING", "INT-OUTSIDE"}


def _found(today, pk):
    """The rules found for placement ``pk`` by both backends, which must agree."""
    sql = sweep.compute_violations(today=today, backend="postgresql")
    py = sweep.compute_violations(today=today, backend="python")
    assert sql == py
    return {rule for pid, rule, _s in sql if pid == pk}


def _open(p):
    return set(Alert.objects.filter(placement=p, resolved_at__isnull=True).values_list("rule_id", flat=True))


def test_a_host_blacklisted_after_the_start_raises_an_alert(iw):
    p = iw.placement(activate=True)
    now = timezone.now()
    sweep.run_sweep(now=now)
    assert not _open(p) & READINESS
    entry = vetting.blacklist_add(
        actor=iw.province, enterprise=p.enterprise, reason="克扣报酬", document_number="鲁教职字〔2026〕1号"
    )
    assert entry.listed_on > p.start_date
    sweep.run_sweep(now=now + dt.timedelta(hours=1))
    assert "INT-HOST-BLACKLIST" in _open(p)
    assert "INT-HOST-BLACKLIST" in _found(iw.today, p.pk)
    vetting.blacklist_lift(actor=iw.province, entry=entry, reason="整改完成")
    # Lifted today, after the start: the placement was at a blacklisted host for part of its period.
    assert "INT-HOST-BLACKLIST" in _found(iw.today, p.pk)
    # A placement starting after the lift is not at a blacklisted host: the alert resolves.
    Placement.objects.filter(pk=p.pk).update(start_date=iw.today + dt.timedelta(days=1))
    sweep.run_sweep(now=now + dt.timedelta(hours=2))
    assert "INT-HOST-BLACKLIST" not in _open(p)
    assert Alert.objects.get(placement=p, rule_id="INT-HOST-BLACKLIST").resolved_at is not None


def test_a_host_withdrawn_from_the_list_raises_an_alert(iw):
    p = iw.placement(activate=True)
    assessment = HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise)
    assert "INT-HOST-VETTED" not in _found(iw.today, p.pk)
    lifecycle.fire(vetting.ASSESSMENT_KIND, assessment, "withdraw", actor=iw.school_admin, reason="停产")
    assert "INT-HOST-VETTED" in _found(iw.today, p.pk)
    sweep.run_sweep()
    assert "INT-HOST-VETTED" in _open(p)


def test_training_and_outside_approval_are_swept(iw):
    p = iw.placement(activate=True)
    assert not _found(iw.today, p.pk) & READINESS
    PlacementSafety.objects.filter(placement=p).update(test_passed_on=None)
    assert "INT-TRAINING" in _found(iw.today, p.pk)
    PlacementSafety.objects.filter(placement=p).update(test_passed_on=p.start_date, destination="abroad")
    found = _found(iw.today, p.pk)
    assert "INT-OUTSIDE" in found and "INT-TRAINING" not in found
    safety.outside_approve(actor=iw.w["jinan"], placement=p, reference="济教函〔2026〕5号")
    PlacementSafety.objects.filter(placement=p).update(
        outside_approved_on=p.start_date, outside_filed_on=p.start_date
    )
    assert "INT-OUTSIDE" not in _found(iw.today, p.pk)


@pytest.mark.parametrize(("end", "applies"), [(dt.date(2021, 12, 30), False), (dt.date(2021, 12, 31), True)])
def test_each_rule_on_both_sides_of_the_2021_revision(iw, end, applies):
    """A placement wholly under the 2016 rules is not swept by them; one reaching 2021-12-31 is."""
    p = iw.placement(activate=True)
    start = dt.date(2021, 9, 1)
    Placement.objects.filter(pk=p.pk).update(start_date=start, end_date=end)
    # Every readiness fact fails: not assessed, blacklisted, untrained, abroad without approval.
    HostAssessment.objects.filter(institution=p.institution, enterprise=p.enterprise).delete()
    vetting.blacklist_add(
        actor=iw.province,
        enterprise=p.enterprise,
        reason="克扣报酬",
        document_number="鲁教职字〔2021〕9号",
        listed_on=dt.date(2021, 8, 1),
    )
    PlacementSafety.objects.filter(placement=p).update(
        training_on=None, test_passed_on=None, destination="cross_province", outside_approved_on=None
    )
    found = _found(dt.date(2021, 10, 8), p.pk)
    assert found & READINESS == (READINESS if applies else set())


def test_the_pass_stays_one_statement_whatever_the_number_of_placements(iw):
    """The readiness rules add joins to the single pass, no statement: the sweep issues as many
    statements for one placement as for several (bench/bench_sweep.py measures that same pass)."""
    iw.placement(activate=True)
    sweep.run_sweep()

    def statements():
        with CaptureQueriesContext(connection) as ctx:
            sweep.compute_violations(today=iw.today, backend="postgresql")
        return len(ctx.captured_queries)

    one = statements()
    for _ in range(4):
        iw.placement(activate=True)
    assert statements() == one
