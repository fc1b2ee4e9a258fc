"""Host vetting (教职成〔2021〕4号第七条), the province's blacklist, 岗前安全培训, 跨省/境外 approval and a
minor's health check and registration: the rules on both sides of their effective dates, the services
and the pages."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhijiao.core import lifecycle
from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import blank_pdf
from zhijiao.internships import rules, services
from zhijiao.internships.models import BlacklistEntry, HostAssessment
from zhijiao.internships.services import safety, vetting

D2021 = dt.date(2021, 12, 31)


def _facts(start, **kw):
    return rules.PlacementFacts(
        start_date=start,
        end_date=start + dt.timedelta(days=120),
        today=start,
        birth_date=dt.date(2000, 1, 1),
        entry_date=start - dt.timedelta(days=800),
        **kw,
    )


def _ids(f):
    return {v.rule_id for v in rules.failing(rules.evaluate(f))}


# --- the rules, on both sides of their effective dates ---------------------------------------------
@pytest.mark.parametrize(
    ("kw", "rule_id"),
    [
        ({"host_vetting": "none"}, "INT-HOST-VETTED"),
        ({"host_vetting": "draft"}, "INT-HOST-VETTED"),
        ({"blacklisted": ("鲁教职字〔2026〕1号", "克扣报酬")}, "INT-HOST-BLACKLIST"),
        ({"training_on": None}, "INT-TRAINING"),
        ({"test_passed_on": None}, "INT-TRAINING"),
        ({"destination": "cross_province"}, "INT-OUTSIDE"),
        ({"destination": "abroad", "outside_approved_on": dt.date(2000, 1, 1)}, "INT-OUTSIDE"),
    ],
)
def test_2021_rules_apply_from_2021_12_31_only(kw, rule_id):
    assert rule_id in _ids(_facts(D2021, **kw))
    assert rule_id in _ids(_facts(dt.date(2024, 3, 1), **kw))
    # A placement wholly under the 2016 rules (ended 2021-12-30) is not judged by them.
    before = rules.PlacementFacts(
        start_date=dt.date(2021, 6, 1),
        end_date=dt.date(2021, 12, 30),
        today=dt.date(2021, 6, 1),
        birth_date=dt.date(2000, 1, 1),
        entry_date=dt.date(2019, 9, 1),
        **kw,
    )
    assert rule_id not in _ids(before)


def test_compliant_facts_pass_and_citations_name_the_article():
    f = _facts(dt.date(2024, 3, 1), host_assessed_on=dt.date(2024, 2, 1), destination="abroad")
    f.outside_approved_on = f.outside_filed_on = dt.date(2024, 2, 20)
    assert not _ids(f) & set(rules.ACTIVATION_ONLY)
    late = _facts(dt.date(2024, 3, 1), host_assessed_on=dt.date(2024, 3, 2))
    [v] = [v for v in rules.evaluate(late) if v.rule_id == "INT-HOST-VETTED"]
    assert v.source == "《职业学校学生实习管理规定》（教职成〔2021〕4号）第七条"
    assert "第七条" in str(v.message)


def test_blacklist_message_quotes_the_document_number():
    f = _facts(dt.date(2024, 3, 1), blacklisted=("鲁教职字〔2026〕1号", "克扣报酬"))
    [v] = [v for v in rules.evaluate(f) if v.rule_id == "INT-HOST-BLACKLIST"]
    assert "鲁教职字〔2026〕1号" in str(v.message) and "克扣报酬" in str(v.message)


def test_minor_health_check_in_force_from_1995():
    f = _facts(dt.date(2024, 3, 1), health_check_on=None, minor_registered_on=None)
    f.birth_date = dt.date(2007, 6, 1)  # 16 at the start
    assert "INT-MINOR-HEALTH" in _ids(f)
    f.health_check_on = dt.date(2024, 2, 1)
    assert "INT-MINOR-HEALTH" in _ids(f)  # registration still missing
    f.minor_registered_on = dt.date(2024, 2, 2)
    assert "INT-MINOR-HEALTH" not in _ids(f)
    # Before 《未成年工特殊保护规定》 took effect (1995-01-01) the rule does not apply.
    old = rules.PlacementFacts(
        start_date=dt.date(1994, 3, 1),
        end_date=dt.date(1994, 8, 1),
        birth_date=dt.date(1977, 6, 1),
        health_check_on=None,
        minor_registered_on=None,
    )
    assert "INT-MINOR-HEALTH" not in _ids(old)
    adult = _facts(dt.date(2024, 3, 1), health_check_on=None, minor_registered_on=None)
    assert "INT-MINOR-HEALTH" not in _ids(adult)


# --- services -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_unvetted_or_withdrawn_host_blocks_activation(iw):
    p = iw.placement()
    assessment = HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise)
    lifecycle.fire(
        vetting.ASSESSMENT_KIND, assessment, "withdraw", actor=iw.school_admin, reason="复查不合格"
    )
    with pytest.raises(services.PlacementBlocked) as exc:
        services.placement_activate(actor=iw.school_admin, placement=p)
    [v] = [v for v in exc.value.violations if v.rule_id == "INT-HOST-VETTED"]
    assert "第七条" in str(v.message) and v.source.endswith("第七条")


@pytest.mark.django_db
def test_blacklisted_host_blocks_activation_until_lifted(iw):
    p = iw.placement()
    entry = vetting.blacklist_add(
        actor=iw.province,
        enterprise=p.enterprise,
        reason="克扣报酬",
        document_number="鲁教职字〔2026〕1号",
        listed_on=p.start_date - dt.timedelta(days=30),
    )
    assert AuditEntry.objects.filter(event="host.blacklisted").count() == 1
    with pytest.raises(services.PlacementBlocked) as exc:
        services.placement_activate(actor=iw.school_admin, placement=p)
    assert "INT-HOST-BLACKLIST" in {v.rule_id for v in exc.value.violations}
    vetting.blacklist_lift(actor=iw.province, entry=entry, reason="已整改", lifted_on=p.start_date)
    services.placement_activate(actor=iw.school_admin, placement=p)


@pytest.mark.django_db
def test_only_the_province_maintains_the_blacklist(iw):
    for user in (iw.school_admin, iw.w["jinan"]):
        with pytest.raises(OutOfScope):
            vetting.blacklist_add(actor=user, enterprise=iw.w.ent_a, reason="x", document_number="y")
    with pytest.raises(ValidationError):
        vetting.blacklist_add(actor=iw.province, enterprise=iw.w.ent_a, reason=" ", document_number="y")
    assert not BlacklistEntry.objects.exists()


@pytest.mark.django_db
def test_the_school_not_the_city_approves_its_host_list(iw):
    data = {"enterprise": iw.w.ent_b, "assessed_on": iw.today, "assessors": "张三"}
    data |= {f"{key}_score": 80 for key, _l in vetting.ASSESSMENT_ITEMS}
    data |= {"conclusion": "合格", "report_file": ContentFile(blank_pdf(), name="r.pdf")}
    a = vetting.assessment_create(actor=iw.school_admin, institution=iw.w.school_a, data=data)
    with pytest.raises(OutOfScope):
        vetting.assessment_approve(actor=iw.w["jinan"], assessment=a, decision="市局")
    with pytest.raises(ValidationError):  # the decision (meeting and date) is required
        vetting.assessment_approve(actor=iw.school_admin, assessment=a, decision="")
    a = vetting.assessment_approve(actor=iw.school_admin, assessment=a, decision="2026年第3次党委会")
    a = vetting.assessment_publish(actor=iw.school_admin, assessment=a)
    assert (a.status, a.decision_reference) == ("published", "2026年第3次党委会")
    assert a.published_at is not None


@pytest.mark.django_db
def test_assessment_needs_the_written_report(iw):
    data = {"enterprise": iw.w.ent_b, "assessed_on": iw.today, "assessors": "张三", "conclusion": "合格"}
    data |= {f"{key}_score": 80 for key, _l in vetting.ASSESSMENT_ITEMS}
    with pytest.raises(ValidationError) as exc:
        vetting.assessment_create(actor=iw.school_admin, institution=iw.w.school_a, data=data)
    assert "report_file" in exc.value.message_dict
    assert not HostAssessment.objects.filter(enterprise=iw.w.ent_b).exists()


@pytest.mark.django_db
def test_training_and_outside_approval_before_the_start(iw):
    p = iw.placement()
    safety.safety_record(actor=iw.school_admin, placement=p, data={"test_passed_on": None})
    assert "INT-TRAINING" in {v.rule_id for v in services.placement_check(p)}
    before = p.start_date - dt.timedelta(days=1)
    safety.safety_record(
        actor=iw.school_admin,
        placement=p,
        data={"test_passed_on": before, "destination": "cross_province", "destination_detail": "江苏省"},
    )
    assert "INT-OUTSIDE" in {v.rule_id for v in services.placement_check(p)}
    with pytest.raises(OutOfScope):  # the school cannot approve itself
        safety.outside_approve(actor=iw.school_admin, placement=p)
    record = safety.outside_approve(actor=iw.w["jinan"], placement=p, reference="济教函〔2026〕5号")
    assert record.outside_filed_on is None  # the city agreed; the filing with the province is pending
    assert "INT-OUTSIDE" in {v.rule_id for v in services.placement_check(p)}
    record = safety.outside_approve(actor=iw.province, placement=p)
    assert record.outside_filed_on is not None
    # Approved today, after the start: still refused (the approval must come first).
    assert "INT-OUTSIDE" in {v.rule_id for v in services.placement_check(p)}


@pytest.mark.django_db
def test_outside_approval_before_the_start_passes(iw):
    p = iw.placement(
        data={"start_date": iw.today + dt.timedelta(days=5), "end_date": iw.today + dt.timedelta(days=100)}
    )
    safety.safety_record(
        actor=iw.school_admin,
        placement=p,
        data={
            "destination": "abroad",
            "destination_detail": "新加坡",
            "training_on": iw.today,
            "test_passed_on": iw.today,
        },
    )
    safety.outside_approve(actor=iw.province, placement=p, reference="鲁教函〔2026〕9号")
    assert "INT-OUTSIDE" not in {v.rule_id for v in services.placement_check(p)}


# --- pages ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_assessment_page_records_and_refuses_bad_input(iw, login):
    client = login(iw.school_admin)
    url = reverse("internships:assessment_add")
    data = {
        "enterprise": iw.w.ent_b.pk,
        "assessed_on": iw.today.isoformat(),
        "assessors": "李四",
        "conclusion": "合格",
    }
    data |= {f"{key}_score": 90 for key, _l in vetting.ASSESSMENT_ITEMS}
    bad = client.post(url, {**data, "integrity_score": 150})
    assert bad.status_code == 400
    assert not HostAssessment.objects.filter(enterprise=iw.w.ent_b).exists()
    ok = client.post(
        url, {**data, "report_file": SimpleUploadedFile("r.pdf", blank_pdf(), "application/pdf")}
    )
    assert ok.status_code == 302
    a = HostAssessment.objects.get(enterprise=iw.w.ent_b)
    page = client.get(a.get_absolute_url()).content.decode()
    assert "研究确定列入实习单位名单" in page and "诚信状况" in page
    # The city reads it but is offered no approval.
    city = login(iw.w["jinan"]).get(a.get_absolute_url()).content.decode()
    assert "研究确定列入实习单位名单" not in city


@pytest.mark.django_db
def test_published_list_shows_only_published_hosts_in_scope(iw, login):
    p = iw.placement()
    url = reverse("internships:host_list")
    assert "暂无公开的实习单位" in login(iw.w["jinan"]).get(url).content.decode()  # approved, not published
    a = HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise)
    vetting.assessment_publish(actor=iw.school_admin, assessment=a)
    assert p.enterprise.name in login(iw.w["jinan"]).get(url).content.decode()
    assert p.enterprise.name not in login(iw.w["qingdao"]).get(url).content.decode()


@pytest.mark.django_db
def test_blacklist_pages(iw, login):
    client = login(iw.province)
    url = reverse("internships:blacklist_add")
    bad = client.post(
        url, {"credit_code": "NOPE", "document_number": "x", "listed_on": "2026-01-01", "reason": "x"}
    )
    assert bad.status_code == 400 and "没有该统一社会信用代码的企业" in bad.content.decode()
    ok = client.post(
        url,
        {
            "credit_code": iw.w.ent_a.credit_code,
            "document_number": "鲁教职字〔2026〕1号",
            "listed_on": iw.today.isoformat(),
            "reason": "克扣报酬",
        },
    )
    assert ok.status_code == 302
    assert login(iw.school_admin).get(url).status_code == 404
    page = login(iw.school_admin).get(reverse("internships:blacklist_list")).content.decode()
    assert "鲁教职字〔2026〕1号" in page
