import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from zhijiao.core import workdays
from zhijiao.internships import services, sweep
from zhijiao.internships.anomalies import hamming, text_fingerprint
from zhijiao.internships.checkins import checkin_ingest
from zhijiao.internships.models import Alert, CheckIn, Placement, Post

pytestmark = pytest.mark.django_db


def at(day: dt.date, h: int, m: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(h, m, s), tzinfo=timezone.get_current_timezone())


def ingest(user, when, key, lat="36.651300", lng="117.120100", kind="START"):
    return checkin_ingest(
        actor=user, kind=kind, occurred_at=when, latitude=lat, longitude=lng, client_key=key, accuracy_m=15
    )


def test_checkin_is_idempotent_by_client_key(iw):
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    when = timezone.now() - dt.timedelta(minutes=5)
    first = ingest(user, when, "key-0001-aaaa")
    again = ingest(user, when, "key-0001-aaaa")
    assert first.created and not again.created and first.id == again.id
    assert CheckIn.objects.filter(placement=p).count() == 1
    assert first.distance_m is not None and first.distance_m < 50


@pytest.mark.parametrize(
    ("lat", "lng", "delta", "field"),
    [
        ("95", "117", dt.timedelta(minutes=-1), "latitude"),
        ("0", "0", dt.timedelta(minutes=-1), "latitude"),
        ("48.85", "2.35", dt.timedelta(minutes=-1), "latitude"),
        ("abc", "117", dt.timedelta(minutes=-1), "latitude"),
        ("36.6", "117.1", dt.timedelta(hours=2), "occurred_at"),
        ("36.6", "117.1", dt.timedelta(days=-10), "occurred_at"),
    ],
)
def test_impossible_checkins_rejected(iw, lat, lng, delta, field):
    p = iw.placement(activate=True)
    with pytest.raises(ValidationError) as exc:
        ingest(p.enrolment.student.user, timezone.now() + delta, "key-bad-0001", lat=lat, lng=lng)
    assert field in exc.value.message_dict
    assert not CheckIn.objects.exists()


def test_checkin_needs_an_active_placement_of_ones_own(iw):
    p = iw.placement()  # draft
    with pytest.raises(ValidationError):
        ingest(p.enrolment.student.user, timezone.now(), "key-0002-bbbb")
    with pytest.raises(ValidationError):
        ingest(iw.school_admin, timezone.now(), "key-0003-cccc")


def test_client_key_reused_by_someone_else_is_refused(iw):
    a, b = iw.placement(activate=True), iw.placement(activate=True)
    ingest(a.enrolment.student.user, timezone.now(), "shared-key-01")
    with pytest.raises(ValidationError):
        ingest(b.enrolment.student.user, timezone.now(), "shared-key-01")


def test_simhash_finds_near_duplicates():
    a = text_fingerprint(
        "本周在企业导师指导下学习了软件测试的基本流程，编写了二十个测试用例，并参与了回归测试。"
    )
    b = text_fingerprint(
        "本周在企业导师指导下学习了软件测试的基本流程，编写了二十一个测试用例，并参与了回归测试。"
    )
    c = text_fingerprint("今天跟随师傅检修数控机床的主轴，记录了故障现象并更换了轴承，收获很大。")
    assert hamming(a, b) <= 10 < hamming(a, c)


def test_sweep_opens_resolves_and_escalates(iw):
    p = iw.placement(activate=True)
    bad = iw.placement(activate=True)
    Placement.objects.filter(pk=bad.pk).update(monthly_pay=Decimal(100))
    now = timezone.now()
    result = sweep.run_sweep(now=now)
    assert result["opened"] >= 1
    open_rules = set(
        Alert.objects.filter(placement=bad, resolved_at__isnull=True).values_list("rule_id", flat=True)
    )
    assert "INT-PAY" in open_rules
    assert not Alert.objects.filter(placement=p, rule_id="INT-PAY").exists()
    # Unresolved for 8 days: escalated to the city; 15 days: the province.
    sweep.run_sweep(now=now + dt.timedelta(days=8))
    assert Alert.objects.get(placement=bad, rule_id="INT-PAY").escalation_level == 1
    sweep.run_sweep(now=now + dt.timedelta(days=15))
    assert Alert.objects.get(placement=bad, rule_id="INT-PAY").escalation_level == 2
    Placement.objects.filter(pk=bad.pk).update(monthly_pay=Decimal(3200))
    sweep.run_sweep(now=now + dt.timedelta(days=16))
    alert = Alert.objects.get(placement=bad, rule_id="INT-PAY")
    assert alert.resolved_at is not None
    assert Alert.objects.filter(placement=bad, rule_id="INT-PAY").count() == 1


def test_sweep_sees_checkin_behaviour_and_anomalies(iw, settings):
    settings.INTERNSHIP_CHECKIN_MAX_DELAY_HOURS = 24 * 8
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    today = iw.today
    holiday = today - dt.timedelta(days=1)
    workdays.calendar_year_load(
        actor=None,
        year=holiday.year,
        number="测试",
        holidays=[("测试节", holiday, holiday)],
        workdays=[],
        system=True,
    )
    for i in range(1, 7):
        day = today - dt.timedelta(days=i)
        ingest(user, at(day, 8, 28), f"cw-start-{i:04d}", lat="36.700000", lng="117.300000")
        ingest(user, at(day, 23, 10), f"cw-end-{i:04d}", lat="36.700000", lng="117.300000", kind="END")
    found = {r for _pid, r, _s in sweep.compute_violations(today=today) if _pid == p.pk}
    assert {"INT-HOL", "INT-NIGHT", "INT-HOURS"} <= found
    sweep.run_sweep()
    rules_open = set(
        Alert.objects.filter(placement=p, resolved_at__isnull=True).values_list("rule_id", flat=True)
    )
    assert {"ANOM-SAME-COORD", "ANOM-CLOCKWORK", "ANOM-FAR"} <= rules_open
    assert Alert.objects.get(placement=p, rule_id="ANOM-FAR").severity == "info"


def test_duplicate_report_texts_across_students_flagged(iw):
    text = (
        "本周在企业导师的指导下学习了岗位操作规范和安全制度，完成了分配的各项任务，收获很大，今后继续努力。"
    )
    placements = [iw.placement(activate=True) for _ in range(2)]
    for i, p in enumerate(placements):
        services.report_submit(
            actor=p.enrolment.student.user,
            placement=p,
            data={
                "kind": "week",
                "period_start": iw.start,
                "period_end": iw.start + dt.timedelta(days=6),
                "title": "周报",
                "content": text.replace("很大", "很大" if i == 0 else "不小"),
            },
        )
    sweep.run_sweep()
    flagged = set(Alert.objects.filter(rule_id="ANOM-DUP-TEXT").values_list("placement_id", flat=True))
    assert flagged == {p.pk for p in placements}


def test_missing_checkins_alert(iw):
    p = iw.placement(activate=True)
    found = {r for pid, r, _s in sweep.compute_violations(today=iw.today) if pid == p.pk}
    assert "INT-MISSING" in found
    ingest(p.enrolment.student.user, timezone.now() - dt.timedelta(hours=1), "fresh-key-001")
    found = {r for pid, r, _s in sweep.compute_violations(today=iw.today) if pid == p.pk}
    assert "INT-MISSING" not in found


def _varied_placements(iw, world, settings):
    """Placements that between them break most rules, and two students' check-ins (one faked)."""
    variants = [
        {},
        {"monthly_pay": Decimal(100)},
        {"arranged_via": "paid_agent"},
        {"pay_cycle_days": 60, "pay_method": "voucher"},
        {"end_date": iw.start + dt.timedelta(days=200)},
    ]
    made = [iw.placement(activate=True)]
    for data in variants[1:]:
        p = iw.placement(activate=True)
        Placement.objects.filter(pk=p.pk).update(**data)
        made.append(p)
    bad_post = services.post_create(
        actor=iw.host_user,
        data={
            "enterprise": world.ent_a,
            "name": "夜场服务员",
            "major_category": world.major.major_class.category,
            "venue_kind": "ktv",
            "physical_labour_level": 3,
            "daily_hours": Decimal(9),
            "works_holidays": True,
            "high_risk": True,
            "wage_standard": Decimal(4000),
            "on_duty_staff": 50,
        },
    )
    on_bad = iw.placement(post=bad_post, activate=False)
    Placement.objects.filter(pk=on_bad.pk).update(status="active")
    filed = iw.placement(post=bad_post)
    Placement.objects.filter(pk=filed.pk).update(status="active", special_arrangement_ref="鲁教备〔2026〕1号")
    young = iw.placement(
        iw.student(birth=(iw.start - dt.timedelta(days=365 * 17)).strftime("%Y%m%d"), gender="female"),
        complete=True,
    )
    Placement.objects.filter(pk=young.pk).update(status="active")
    Post.objects.filter(pk=iw.post.pk).update(
        minor_forbidden=True, female_forbidden=True, shift_end=dt.time(22, 30), on_duty_staff=20
    )
    p = made[1]
    services.pay_record(
        actor=iw.host_user,
        placement=p,
        data={"period": iw.start, "amount": Decimal(100), "paid_on": iw.today, "paid_to_student": False},
    )
    settings.INTERNSHIP_CHECKIN_MAX_DELAY_HOURS = 24 * 8
    faked, honest = made[2], made[3]
    for i in range(1, 7):
        day = iw.today - dt.timedelta(days=i)
        ingest(
            faked.enrolment.student.user,
            at(day, 8, 28),
            f"f-start-{i:04d}",
            lat="36.700000",
            lng="117.300000",
        )
        ingest(
            faked.enrolment.student.user,
            at(day, 23, 10),
            f"f-end-{i:04d}",
            lat="36.700000",
            lng="117.300000",
            kind="END",
        )
        ingest(
            honest.enrolment.student.user,
            at(day, 8, 10 + i * 3, i * 7),
            f"h-start-{i:04d}",
            lat=f"36.6513{i}",
            lng="117.120100",
        )
        ingest(
            honest.enrolment.student.user,
            at(day, 17, 20 + i),
            f"h-end-{i:04d}",
            lat=f"36.6514{i}",
            lng="117.120100",
            kind="END",
        )
    return faked, honest, on_bad, filed


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the single-pass SQL sweep is PostgreSQL's")
def test_sql_sweep_matches_the_pure_rules(iw, world, settings):
    """The PostgreSQL single-pass sweep and the pure rule functions agree on a varied set of placements."""
    faked, honest, on_bad, filed = _varied_placements(iw, world, settings)
    sql = sweep.compute_violations(today=iw.today, backend="postgresql", anomalies=True)
    py = sweep.compute_violations(today=iw.today, backend="python", anomalies=True)
    assert sql == py
    assert {r for pid, r, _s in sql if pid == faked.pk} >= {
        "ANOM-SAME-COORD",
        "ANOM-CLOCKWORK",
        "ANOM-FAR",
        "INT-NIGHT",
    }
    assert not {r for pid, r, _s in sql if pid == honest.pk and r.startswith("ANOM")}
    on_bad_rules = {r for pid, r, _s in sql if pid == on_bad.pk}
    assert {"INT-VENUE", "INT-PHYS", "INT-HOURS", "INT-HOL"} <= on_bad_rules
    assert "INT-HOL" not in {r for pid, r, _s in sql if pid == filed.pk}
    assert {r for _p, r, _s in sql} >= {
        "INT-PAY",
        "INT-AGENT",
        "INT-PAY-CYCLE",
        "INT-DUR",
        "INT-MINOR",
        "INT-FEMALE",
        "INT-NIGHT",
        "INT-RATIO-POST",
        "INT-MISSING",
    }


def test_sweep_runs_as_a_background_job(iw):
    from zhijiao.core.jobs import enqueue, run_job

    iw.placement(activate=True)
    job = run_job(enqueue("internships.sweep", params={}))
    job.refresh_from_db()
    assert job.status == "succeeded" and "opened" in job.result


@pytest.mark.skipif(connection.vendor != "postgresql", reason="slices are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_sliced_sweep_finds_exactly_what_the_single_statement_finds(iw, world, settings):
    """Split over three connections sharing one exported snapshot, the pass finds the same triples
    (committed data: a transactional test, as slices cannot see a caller's uncommitted writes)."""
    _varied_placements(iw, world, settings)
    single = sweep.compute_violations(today=iw.today, anomalies=True, slices=1)
    sliced = sweep.compute_violations(today=iw.today, anomalies=True, slices=3)
    assert len(single) > 10 and sliced == single
    result = sweep.run_sweep(slices=3)
    assert result["slices"] == 3 and result["violations"] > 0
    assert Alert.objects.filter(resolved_at__isnull=True).count() == result["opened"] > 0


def test_sweep_stays_on_one_connection_inside_a_transaction(iw, settings):
    """Inside a caller's transaction other connections could not see its writes: no slices."""
    settings.INTERNSHIP_SWEEP_SLICES = 4
    iw.placement(activate=True)
    assert sweep.run_sweep()["slices"] == 1


def test_bad_work_mem_setting_is_refused(iw, settings):
    settings.INTERNSHIP_SWEEP_WORK_MEM = "64MB'; DROP TABLE x; --"
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with pytest.raises(ValueError):
        sweep.run_sweep()


def test_reconcile_writes_only_differences(iw):
    """A steady day changes nothing; a changed severity is rewritten; alerts of rules the sweep does
    not check stay as they are."""
    bad = iw.placement(activate=True)
    Placement.objects.filter(pk=bad.pk).update(monthly_pay=Decimal(100))
    now = timezone.now()
    first = sweep.run_sweep(now=now)
    assert first["opened"] >= 1
    steady = sweep.run_sweep(now=now + dt.timedelta(hours=1))
    assert (steady["opened"], steady["refreshed"], steady["resolved"]) == (0, 0, 0)
    pay = Alert.objects.get(placement=bad, rule_id="INT-PAY", resolved_at__isnull=True)
    assert pay.last_seen == now  # unchanged by the steady run
    Alert.objects.filter(pk=pay.pk).update(severity="warn")
    foreign = Alert.objects.create(
        placement=bad,
        institution_id=bad.institution_id,
        enterprise_id=bad.enterprise_id,
        rule_id="LEGACY-X",
        severity="warn",
        message="legacy",
        first_seen=now,
        last_seen=now,
    )
    later = now + dt.timedelta(hours=2)
    result = sweep.run_sweep(now=later)
    assert (result["opened"], result["refreshed"], result["resolved"]) == (0, 1, 0)
    pay.refresh_from_db()
    assert (pay.severity, pay.last_seen) == ("block", later)
    foreign.refresh_from_db()
    assert foreign.resolved_at is None
