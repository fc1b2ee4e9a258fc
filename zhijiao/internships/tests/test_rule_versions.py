"""Rules by effective date: 教职成〔2016〕3号 until 2021-12-30, its revision 教职成〔2021〕4号 from 2021-12-31.

A placement is judged by the versions in force on its days and cites them; both sides of the boundary.
"""

import datetime as dt

import pytest

from zhijiao.core import rules as registry
from zhijiao.internships import rules
from zhijiao.internships.rules import PlacementFacts

LAST_2016 = dt.date(2021, 12, 30)
FIRST_2021 = dt.date(2021, 12, 31)


def facts(start, end, **kw):
    return PlacementFacts(start_date=start, end_date=end, today=start, **kw)


def test_each_version_is_registered_with_its_window():
    old, new = registry.get("INT-PAY@2016"), registry.get("INT-PAY")
    assert old.valid_to == LAST_2016 and new.valid_from == FIRST_2021 and new.valid_to is None
    assert "教职成〔2016〕3号" in old.citation and "教职成〔2021〕4号" in new.citation
    assert old.in_force(LAST_2016) and not old.in_force(FIRST_2021)
    assert new.in_force(FIRST_2021) and not new.in_force(LAST_2016)
    # The working-time rule rests on the 劳动法 too, and each version cites it with its own article.
    assert registry.get("INT-HOURS").valid_from == FIRST_2021
    assert registry.get("INT-HOURS@2016").citation.endswith("第十六条；《中华人民共和国劳动法》第三十六条")
    # One title per rule, not per version.
    assert "INT-PAY@2016" not in rules.RULE_TITLES and "INT-PAY" in rules.RULE_TITLES


@pytest.mark.parametrize(
    ("start", "end", "cited"),
    [
        (dt.date(2021, 6, 1), LAST_2016, ["2016"]),
        (FIRST_2021, dt.date(2022, 6, 30), ["2021"]),
        (dt.date(2021, 10, 1), FIRST_2021, ["2016", "2021"]),  # spans the boundary: both versions
    ],
)
def test_a_violation_cites_the_versions_in_force_on_the_placements_days(start, end, cited):
    f = facts(start, end, birth_date=start.replace(year=start.year - 15))  # 15 at the start: INT-AGE
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == "INT-AGE"]
    assert ("〔2016〕3号" in v.source) == ("2016" in cited)
    assert ("〔2021〕4号" in v.source) == ("2021" in cited)
    assert "http" not in v.source and "Art." not in v.source


@pytest.mark.parametrize(("end", "fails"), [(LAST_2016, False), (FIRST_2021, True)])
def test_the_level_three_ban_applies_from_the_2021_revision(end, fails):
    f = facts(dt.date(2021, 9, 1), end, physical_labour_level=3)
    assert any(v.rule_id == "INT-PHYS" for v in rules.evaluate(f)) is fails


def test_high_risk_posts_were_already_banned_in_2016():
    f = facts(dt.date(2021, 6, 1), LAST_2016, high_risk=True)
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == "INT-PHYS"]
    assert v.source == "《职业学校学生实习管理规定》（教职成〔2016〕3号）第十六条"  # the working-time article


def test_every_rule_shown_to_users_has_a_window():
    """Only the platform's check-in anomalies (no citation, never shown as a regulation) have no window."""
    windowless = {r.id for r in registry.all_rules(app="internships") if r.valid_from is None}
    assert windowless and all(rule_id.startswith("ANOM-") for rule_id in windowless), windowless


@pytest.mark.parametrize(("end", "judged"), [(LAST_2016, False), (FIRST_2021, True)])
def test_rules_the_2021_revision_brought_judge_placements_from_its_date(end, judged):
    """The same 专业大类 (2021 Art. 8(3)) and the student's status (Art. 2) rest on the 2021 text alone:
    a placement ending on 2021-12-30 is not judged by them, one reaching 2021-12-31 is."""
    f = facts(
        dt.date(2021, 9, 1),
        end,
        student_category="装备制造大类",
        post_category="交通运输大类",
        student_eligible=False,
    )
    found = {v.rule_id for v in rules.evaluate(f)}
    assert ("INT-MAJOR" in found) is judged
    assert ("INT-STATUS" in found) is judged


@pytest.mark.parametrize(
    ("rule_id", "end", "article"),
    [
        ("INT-DUR", LAST_2016, "（教职成〔2016〕3号）第十条"),
        ("INT-DUR", dt.date(2023, 6, 30), "（教职成〔2021〕4号）第十二条"),
        ("INT-INS", LAST_2016, "（教职成〔2016〕3号）（实习责任保险）"),
        ("INT-INS", dt.date(2023, 6, 30), "（教职成〔2021〕4号）第三十五条第一款"),
    ],
)
def test_duration_and_insurance_cite_the_version_of_the_placements_days(rule_id, end, article):
    start = dt.date(2021, 1, 4) if end == LAST_2016 else dt.date(2022, 1, 4)
    f = facts(start, end)  # no policy, longer than 6 months
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == rule_id]
    assert v.source.endswith(article)


def test_the_citation_without_days_is_the_version_in_force_today():
    assert "〔2021〕4号" in rules.citation("INT-PAY") and "〔2016〕" not in rules.citation("INT-PAY")
    assert rules.citation("INT-PAY", dt.date(2020, 1, 1)).endswith("（教职成〔2016〕3号）第十七条")


@pytest.mark.django_db
def test_the_api_never_shows_a_research_trail(iw):
    from zhijiao.core.testing_api import api_client

    p = iw.placement(iw.student(birth="20130101"), complete=False)  # under 16: INT-AGE
    p.violations = [
        {"rule_id": "INT-AGE", "message": "x", "severity": "block", "source": "Art. 16; https://x"}
    ]
    p.save(update_fields=["violations"])  # an old stored check, from before citations were official
    data = api_client(iw.school_admin).get(f"/api/v1/placements/{p.pk}/").json()
    (v,) = data["violations"]
    assert "http" not in v["source"] and "第十六条" in v["source"]


# --- consent (知情同意书) and the self-arranged path ----------------------------------------------------
def _agreement(**kw):
    from zhijiao.internships.rules import AgreementFacts

    signed = dt.date(2021, 1, 1)
    base = dict(
        fields={name: "x" for name in rules.AGREEMENT_REQUIRED},
        school_signed_on=signed,
        host_signed_on=signed,
        student_signed_on=signed,
    )
    return AgreementFacts(**(base | kw))


ADULT = dt.date(2000, 1, 1)
MINOR_IN_2021 = dt.date(2004, 6, 1)  # 17 in 2021


@pytest.mark.parametrize(
    ("end", "birth", "needed"),
    [
        (LAST_2016, ADULT, False),  # 2016: consent for minors only
        (LAST_2016, MINOR_IN_2021, True),
        (FIRST_2021, ADULT, True),  # 2021: every student
        (FIRST_2021, MINOR_IN_2021, True),
    ],
)
def test_consent_for_every_post_internship_from_the_2021_revision(end, birth, needed):
    f = facts(dt.date(2021, 9, 1), end, birth_date=birth, agreement=_agreement())
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == "INT-AGREE"] or [None]
    assert (v is not None) is needed
    consented = facts(
        dt.date(2021, 9, 1),
        end,
        birth_date=birth,
        agreement=_agreement(guardian_consent_on=dt.date(2021, 1, 1), has_guardian_file=True),
    )
    assert not [v for v in rules.evaluate(consented) if v.rule_id == "INT-AGREE"]


def test_a_self_arranged_post_internship_needs_the_application_and_the_schools_approval():
    start, end = dt.date(2026, 3, 1), dt.date(2026, 8, 31)
    agreement = _agreement()  # no 知情同意书: the application of student and guardian stands for it

    def self_ids(**kw):
        f = facts(start, end, arranged_via="self", birth_date=ADULT, agreement=agreement, **kw)
        return [v.rule_id for v in rules.evaluate(f)]

    assert "INT-SELF" in self_ids()
    assert "INT-SELF" in self_ids(self_application_on=dt.date(2026, 2, 1))
    late = self_ids(self_application_on=dt.date(2026, 2, 1), self_approved_on=dt.date(2026, 3, 2))
    assert "INT-SELF" in late
    ok = self_ids(self_application_on=dt.date(2026, 2, 1), self_approved_on=dt.date(2026, 2, 10))
    assert "INT-SELF" not in ok and "INT-AGREE" not in ok
    # The school-arranged one of the same adult needs the consent form.
    school = facts(start, end, birth_date=ADULT, agreement=agreement)
    assert "INT-AGREE" in [v.rule_id for v in rules.evaluate(school)]


def test_a_cognitive_internship_cannot_be_self_arranged():
    start = dt.date(2026, 3, 1)
    f = facts(
        start, start, kind="cognitive", arranged_via="self", self_application_on=start, self_approved_on=start
    )
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == "INT-SELF"]
    assert "〔2021〕4号" in v.source
    assert not [v for v in rules.evaluate(facts(start, start, kind="cognitive")) if v.rule_id == "INT-SELF"]


# --- pay by kind of work (Art. 18) ------------------------------------------------------------------
def _pay_facts(start, end, **kw):
    from decimal import Decimal

    return facts(start, end, wage_standard=Decimal(4000), lowest_grade_wage=Decimal(2500), **kw)


def test_the_pay_floor_is_for_relatively_independent_work():
    from decimal import Decimal

    start, end = dt.date(2026, 3, 1), dt.date(2026, 8, 31)
    low = _pay_facts(start, end, monthly_pay=Decimal(2000))
    assert [v.severity for v in rules.rule_pay(low)] == ["block"]
    assisting = _pay_facts(start, end, monthly_pay=Decimal(2000), work_kind="assisting")
    assert rules.rule_pay(assisting) == []
    unpaid = _pay_facts(start, end, monthly_pay=Decimal(0), work_kind="assisting")
    assert [v.severity for v in rules.rule_pay(unpaid)] == ["warn"]


@pytest.mark.parametrize(("end", "passes"), [(LAST_2016, False), (FIRST_2021, True)])
def test_the_lowest_wage_grade_alternative_comes_with_the_2021_revision(end, passes):
    from decimal import Decimal

    f = _pay_facts(dt.date(2021, 9, 1), end, monthly_pay=Decimal(2600))  # < 80 % of 4000, ≥ lowest grade
    assert (rules.rule_pay(f) == []) is passes


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql",
    reason="the single-pass SQL sweep is PostgreSQL's",
)
@pytest.mark.django_db
def test_the_sql_sweep_agrees_on_consent_self_arrangement_pay_kind_and_documents(iw):
    from decimal import Decimal

    from zhijiao.internships import services, sweep
    from zhijiao.internships.models import Agreement, Placement

    def active(**data):
        p = iw.placement()
        Placement.objects.filter(pk=p.pk).update(status="active", **data)
        return p

    plain = active()
    self_arranged = active(arranged_via="self")
    assisting = active(work_kind="assisting", monthly_pay=Decimal(1000))
    no_consent = active()
    Agreement.objects.filter(placement=no_consent).update(guardian_consent_file="")
    docs = active()
    Agreement.objects.filter(placement=docs).update(keeps_id_documents=True, guarantee_required=True)
    premium = active()
    services.pay_record(
        actor=iw.host_user,
        placement=premium,
        data={"period": iw.start, "amount": Decimal(3200), "paid_on": iw.today, "premium_deducted": True},
    )
    sql = sweep.compute_violations(today=iw.today, backend="postgresql")
    assert sql == sweep.compute_violations(today=iw.today, backend="python")
    found = {(pid, r) for pid, r, _s in sql}
    assert not {r for pid, r in found if pid == plain.pk} & {
        "INT-AGREE",
        "INT-SELF",
        "INT-PAY",
        "INT-PREMIUM",
    }
    assert (self_arranged.pk, "INT-SELF") in found and (self_arranged.pk, "INT-AGREE") not in found
    assert (assisting.pk, "INT-PAY") not in found
    assert (no_consent.pk, "INT-AGREE") in found
    assert {(docs.pk, "INT-ID-DOCS"), (docs.pk, "INT-GUARANTEE"), (premium.pk, "INT-PREMIUM")} <= found
