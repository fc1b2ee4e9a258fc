"""Rules worded "一般/原则上" are defaults: an exception the school requests with a reason and the authority
receiving the plan's 备案 approves lets the rule pass, citing the approval. A filed special arrangement
(Art. 17) covers working time as well."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from zhijiao.core.services import OutOfScope
from zhijiao.internships import rules, services, sweep
from zhijiao.internships.models import InternshipPlan, Placement
from zhijiao.internships.rules import PlacementFacts


def long_placement(iw, **kw):
    """A post internship of ten months: over the usual six (INT-DUR)."""
    InternshipPlan.objects.filter(pk=iw.plan.pk).update(end_date=iw.start + dt.timedelta(days=400))
    iw.plan.refresh_from_db()
    return iw.placement(data={"end_date": iw.start + dt.timedelta(days=300)}, **kw)


def rule_ids(p):
    p.refresh_from_db()
    return {v["rule_id"]: v["severity"] for v in p.violations}


@pytest.mark.django_db
def test_an_approved_exception_lets_the_rule_pass_citing_it(iw, world):
    p = long_placement(iw)
    services.placement_check(p)
    assert rule_ids(p)["INT-DUR"] == "block"
    x = services.rule_exception_request(
        actor=iw.school_admin, placement=p, rule_id="INT-DUR", reason="分两段实习，合计十个月"
    )
    services.placement_check(p)
    assert rule_ids(p)["INT-DUR"] == "block"  # requested, not yet approved
    services.rule_exception_decide(
        actor=world["jinan"], exception=x, approve=True, reference="济教职成〔2026〕3号"
    )
    assert rule_ids(p)["INT-DUR"] == rules.EXCEPTED
    (v,) = [v for v in p.violations if v["rule_id"] == "INT-DUR"]
    assert "济南市" in v["message"] and "济教职成〔2026〕3号" in v["message"]
    services.placement_activate(actor=iw.school_admin, placement=p)  # no longer blocking
    p.refresh_from_db()
    assert p.status == "active"


@pytest.mark.django_db
def test_only_the_filing_authority_decides_and_a_refusal_needs_a_reason(iw, world):
    p = long_placement(iw)
    x = services.rule_exception_request(actor=iw.school_admin, placement=p, rule_id="INT-DUR", reason="原因")
    for outsider in (iw.school_admin, world["qingdao"], world["school_b"]):
        with pytest.raises(OutOfScope):
            services.rule_exception_decide(actor=outsider, exception=x, approve=True)
    with pytest.raises(ValidationError):
        services.rule_exception_decide(actor=world["jinan"], exception=x, approve=False)
    services.rule_exception_decide(actor=world["jinan"], exception=x, approve=False, note="理由不足")
    with pytest.raises(ValidationError):  # decided once
        services.rule_exception_decide(actor=world["jinan"], exception=x, approve=True)
    with pytest.raises(ValidationError):  # a hard ban admits no exception
        services.rule_exception_request(actor=iw.school_admin, placement=p, rule_id="INT-AGE", reason="x")
    with pytest.raises(OutOfScope):
        services.rule_exception_request(actor=world["school_b"], placement=p, rule_id="INT-DUR", reason="x")


@pytest.mark.django_db
def test_the_placement_page_requests_shows_and_decides_exceptions(iw, world, login):
    p = long_placement(iw)
    school = login(iw.school_admin)
    url = reverse("internships:exception_request", args=[p.pk])
    assert school.post(url, {"rule_id": "INT-DUR", "reason": "分两段实习"}).status_code == 302
    x = p.rule_exceptions.get()
    page = school.get(p.get_absolute_url()).content.decode()
    assert 'data-testid="exceptions"' in page and "分两段实习" in page
    assert reverse("internships:exception_decide", args=[x.pk]) not in page  # the school does not decide
    school.post(reverse("internships:exception_decide", args=[x.pk]), {"decision": "approve"})
    x.refresh_from_db()
    assert x.status == "requested"
    city = login(world["jinan"])
    assert (
        reverse("internships:exception_decide", args=[x.pk])
        in city.get(p.get_absolute_url()).content.decode()
    )
    city.post(
        reverse("internships:exception_decide", args=[x.pk]), {"decision": "approve", "reference": "R-1"}
    )
    x.refresh_from_db()
    assert x.status == "approved" and x.authority == "济南市"
    assert (
        login(world["qingdao"]).post(reverse("internships:exception_decide", args=[x.pk])).status_code == 404
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the single-pass SQL sweep is PostgreSQL's")
@pytest.mark.django_db
def test_the_sweep_honours_approved_exceptions_on_both_backends(iw, world):
    p, q = long_placement(iw), long_placement(iw)
    Placement.objects.filter(pk__in=[p.pk, q.pk]).update(status="active")
    x = services.rule_exception_request(actor=iw.school_admin, placement=p, rule_id="INT-DUR", reason="原因")
    services.rule_exception_decide(actor=world["jinan"], exception=x, approve=True)
    sql = sweep.compute_violations(today=iw.today, backend="postgresql")
    py = sweep.compute_violations(today=iw.today, backend="python")
    assert sql == py
    assert (q.pk, "INT-DUR") in {(pid, r) for pid, r, _s in sql}
    assert (p.pk, "INT-DUR") not in {(pid, r) for pid, r, _s in sql}


def test_a_filed_special_arrangement_covers_working_hours():
    long_days = PlacementFacts(daily_hours=10)
    assert [v.rule_id for v in rules.rule_hours(long_days)] == ["INT-HOURS"]
    filed = PlacementFacts(daily_hours=10, special_arrangement_ref="鲁教备〔2026〕1号")
    assert rules.rule_hours(filed) == []
