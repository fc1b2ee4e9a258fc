"""专项检查 services: launch (checklist, sample), answer with evidence, findings, rectification, close."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone, translation

from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import blank_pdf
from zhijiao.internships import rules
from zhijiao.internships.models import Alert, Inspection, InspectionItem, InternshipPlan, Placement
from zhijiao.internships.services import inspections as svc
from zhijiao.internships.services import placement_create, plan_create

pytestmark = pytest.mark.django_db

PDF = blank_pdf()


def pdf(name="evidence.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def active(p):
    """A test shortcut: the sample only reads the status (activation itself is tested with the rules)."""
    Placement.objects.filter(pk=p.pk).update(status="active")
    p.refresh_from_db()
    return p


def school_b_placements(iw, world, n):
    plan = plan_create(
        actor=world["school_b"],
        data={
            "institution": world.school_b,
            "offering": world.offering_b,
            "title": "青岛岗位实习",
            "kind": "post",
            "cohort_year": 2024,
            "start_date": iw.start - dt.timedelta(days=5),
            "end_date": iw.end + dt.timedelta(days=5),
        },
    )
    InternshipPlan.objects.filter(pk=plan.pk).update(filing_status="filed")
    plan.refresh_from_db()
    out = []
    for _ in range(n):
        enrolment = iw.student(school=world.school_b, offering=world.offering_b)
        p = placement_create(
            actor=world["school_b"],
            plan=plan,
            enrolment=enrolment,
            post=iw.post,
            data={"start_date": iw.start, "end_date": iw.end, "monthly_pay": 3200},
        )
        out.append(active(p))
    return out


def launch(actor, region, iw, **kw):
    kw.setdefault("title", "2026年实习管理专项检查")
    kw.setdefault("answer_due", iw.today + dt.timedelta(days=14))
    return svc.inspection_launch(actor=actor, region=region, **kw)


def test_launch_builds_the_checklist_and_spreads_the_sample_over_schools(iw, world):
    a = [active(iw.placement(complete=False)) for _ in range(3)]
    b = school_b_placements(iw, world, 2)
    insp = launch(world["province_admin"], world.province, iw, sample_size=4, rule_ids=["INT-PAY", "INT-AGE"])
    # The checklist keeps the registry's order, with each rule's title and official citation (the
    # research trail, rules.SOURCES, is never stored where the API or a page shows it).
    assert [c["rule_id"] for c in insp.checklist] == ["INT-AGE", "INT-PAY"]
    assert (
        insp.checklist[1]["source"] == rules.citation("INT-PAY") and "http" not in insp.checklist[1]["source"]
    )
    assert insp.checklist[1]["title"] == rules.RULE_TITLES["INT-PAY"]
    sampled = list(insp.items.values_list("institution_id", flat=True))
    assert sorted(sampled) == sorted([world.school_a.pk] * 2 + [world.school_b.pk] * 2)
    assert set(insp.items.values_list("placement_id", flat=True)) <= {p.pk for p in a + b}
    assert insp.launched_by == world["province_admin"] and insp.status == "open"
    assert AuditEntry.objects.filter(object_type="internships.inspection", object_id=str(insp.pk)).exists()


def test_default_checklist_is_every_int_rule(iw, world):
    active(iw.placement(complete=False))
    insp = launch(world["jinan"], world.jinan, iw)
    ids = [c["rule_id"] for c in insp.checklist]
    assert ids == svc.inspection_rule_ids()
    assert "INT-MISSING" in ids and not any(i.startswith("ANOM-") for i in ids)


def test_placements_with_open_alerts_are_sampled_first(iw, world):
    quiet = active(iw.placement(complete=False))
    flagged = active(iw.placement(complete=False))
    now = timezone.now()
    Alert.objects.create(
        placement=flagged,
        institution=world.school_a,
        enterprise=world.ent_a,
        rule_id="INT-PAY",
        severity="block",
        message="pay",
        first_seen=now,
        last_seen=now,
    )
    insp = launch(world["jinan"], world.jinan, iw, sample_size=1)
    assert list(insp.items.values_list("placement_id", flat=True)) == [flagged.pk]
    assert quiet.pk != flagged.pk


def test_named_school_without_placements_gets_a_school_level_item(iw, world):
    active(iw.placement(complete=False))
    insp = launch(world["province_admin"], world.province, iw, sample_size=5, institutions=[world.school_b])
    item = insp.items.get()
    assert item.institution_id == world.school_b.pk and item.placement_id is None


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"answer_due": dt.date(2020, 1, 1)}, "answer_due"),
        ({"rule_ids": ["INT-NOPE"]}, "rule_ids"),
        ({"rule_ids": []}, "rule_ids"),
        ({"sample_size": 0}, "sample_size"),
        ({"sample_size": 100_000}, "sample_size"),
        ({"title": "  "}, "title"),
    ],
)
def test_launch_refuses_bad_input_and_writes_nothing(iw, world, kwargs, field):
    active(iw.placement(complete=False))
    with pytest.raises(ValidationError) as exc:
        launch(world["jinan"], world.jinan, iw, **kwargs)
    assert field in exc.value.message_dict
    assert not Inspection.objects.exists() and not InspectionItem.objects.exists()


def test_launch_messages_are_translated(iw, world):
    active(iw.placement(complete=False))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        launch(world["jinan"], world.jinan, iw, rule_ids=["INT-NOPE"])
    assert exc.value.message_dict["rule_ids"] == ["未知规则：INT-NOPE"]


def test_launch_outside_the_actors_region_or_school(iw, world):
    active(iw.placement(complete=False))
    with pytest.raises(OutOfScope):
        launch(world["qingdao"], world.jinan, iw)  # another city
    with pytest.raises(OutOfScope):
        launch(world["school_a"], world.jinan, iw)  # schools do not launch
    with pytest.raises(ValidationError) as exc:
        launch(world["jinan"], world.jinan, iw, institutions=[world.school_b])  # a Qingdao school
    assert "institutions" in exc.value.message_dict
    assert not Inspection.objects.exists()


def test_empty_scope_is_refused(iw, world):
    with pytest.raises(ValidationError) as exc:
        launch(world["qingdao"], world.qingdao, iw)
    assert "sample_size" in exc.value.message_dict
    assert not Inspection.objects.exists()


@pytest.fixture
def opened(iw, world):
    active(iw.placement(complete=False))
    insp = launch(world["jinan"], world.jinan, iw, rule_ids=["INT-PAY", "INT-INS", "INT-AGREE"])
    return insp, insp.items.get()


def test_school_answers_with_evidence(opened, iw):
    insp, item = opened
    svc.inspection_answer(actor=iw.school_admin, item=item, answer="协议、保单已补齐", evidence=pdf())
    item.refresh_from_db()
    assert item.school_answer == "协议、保单已补齐" and item.answered_at
    assert item.evidence.name.endswith(".pdf")
    with item.evidence.open("rb") as fh:
        assert fh.read().startswith(b"%PDF")


@pytest.mark.parametrize(
    "upload, expected",
    [
        (SimpleUploadedFile("x.exe", b"MZ\x90\x00"), "x.exe：仅支持以下文件类型：PDF, JPEG, PNG。"),
        (SimpleUploadedFile("fake.pdf", b"<html>"), "fake.pdf 的文件内容与其扩展名不符。"),
    ],
)
def test_evidence_type_is_checked(opened, iw, upload, expected):
    _insp, item = opened
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        svc.inspection_answer(actor=iw.school_admin, item=item, answer="见附件", evidence=upload)
    assert exc.value.message_dict["evidence"] == [expected]
    item.refresh_from_db()
    assert item.school_answer == "" and not item.evidence and item.answered_at is None


@override_settings(INTERNSHIP_ATTACHMENT_MAX_BYTES=1024 * 1024)
def test_evidence_size_is_checked(opened, iw):
    _insp, item = opened
    big = pdf(content=PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        svc.inspection_answer(actor=iw.school_admin, item=item, answer="见附件", evidence=big)
    assert "evidence" in exc.value.message_dict
    item.refresh_from_db()
    assert not item.evidence


def test_only_the_school_answers(opened, world):
    _insp, item = opened
    with pytest.raises(OutOfScope):
        svc.inspection_answer(actor=world["school_b"], item=item, answer="x")
    with pytest.raises(OutOfScope):
        svc.inspection_answer(actor=world["jinan"], item=item, answer="x")  # the inspector
    with pytest.raises(ValidationError):
        svc.inspection_answer(actor=world["school_a"], item=item, answer="   ")


def test_findings(opened, iw, world):
    insp, item = opened
    due = iw.today + dt.timedelta(days=30)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        svc.inspection_finding(
            actor=world["jinan"], item=item, result="non_compliant", failed_rules=["INT-PAY"]
        )
    assert exc.value.message_dict["rectification_due"] == ["检查结果为不合规的，请设定整改期限。"]
    for bad in (
        {"result": "pending"},
        {"result": "non_compliant", "failed_rules": [], "rectification_due": due},
        {"result": "non_compliant", "failed_rules": ["INT-AGE"], "rectification_due": due},  # not listed
        {"result": "non_compliant", "failed_rules": ["INT-PAY"], "rectification_due": dt.date(2020, 1, 1)},
    ):
        with pytest.raises(ValidationError):
            svc.inspection_finding(actor=world["jinan"], item=item, **bad)
    item.refresh_from_db()
    assert item.result == "pending"
    with pytest.raises(OutOfScope):
        svc.inspection_finding(actor=world["school_a"], item=item, result="compliant")
    with pytest.raises(OutOfScope):
        svc.inspection_finding(actor=world["qingdao"], item=item, result="compliant")
    svc.inspection_finding(
        actor=world["jinan"],
        item=item,
        result="non_compliant",
        failed_rules=["INT-PAY", "INT-PAY"],
        note="工资低于岗位工资的80%",
        rectification_due=due,
    )
    item.refresh_from_db()
    assert item.failed_rules == ["INT-PAY"] and item.rectification_due == due
    # The province sits above the city: it may revise the finding; compliant clears the rest.
    svc.inspection_finding(actor=world["province_admin"], item=item, result="compliant")
    item.refresh_from_db()
    assert item.result == "compliant" and item.failed_rules == [] and item.rectification_due is None


def test_answer_is_locked_after_the_finding_and_rectification(opened, iw, world):
    _insp, item = opened
    svc.inspection_finding(
        actor=world["jinan"],
        item=item,
        result="non_compliant",
        failed_rules=["INT-INS"],
        rectification_due=iw.today + dt.timedelta(days=7),
    )
    with pytest.raises(ValidationError):
        svc.inspection_answer(actor=iw.school_admin, item=item, answer="改答")
    svc.inspection_rectify(actor=iw.school_admin, item=item, answer="已补保单", evidence=pdf("policy.pdf"))
    item.refresh_from_db()
    assert item.rectified_at and "已补保单" in item.school_answer
    with pytest.raises(ValidationError):
        svc.inspection_rectify(actor=iw.school_admin, item=item)


def test_close_needs_every_finding_then_freezes(opened, iw, world):
    insp, item = opened
    with pytest.raises(ValidationError):
        svc.inspection_close(actor=world["jinan"], inspection=insp)
    svc.inspection_finding(actor=world["jinan"], item=item, result="compliant")
    with pytest.raises(OutOfScope):
        svc.inspection_close(actor=world["school_a"], inspection=insp)
    closed = svc.inspection_close(actor=world["jinan"], inspection=insp)
    assert closed.status == "closed" and closed.closed_at
    item.refresh_from_db()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        svc.inspection_finding(actor=world["jinan"], item=item, result="compliant")
    assert exc.value.messages == ["该专项检查已结束。"]
    with pytest.raises(ValidationError):
        svc.inspection_close(actor=world["jinan"], inspection=insp)
