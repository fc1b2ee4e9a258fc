"""Every rule: one passing and at least one failing snapshot (no database)."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.test import override_settings

from zhijiao.internships import rules
from zhijiao.internships.rules import AgreementFacts, PayFacts, PlacementFacts, PolicyFacts

START, END = dt.date(2026, 3, 1), dt.date(2026, 8, 31)


def good(**changes) -> PlacementFacts:
    agreement = AgreementFacts(
        fields={name: "x" for name in rules.AGREEMENT_REQUIRED} | {"pay_amount": Decimal(3000)},
        school_signed_on=dt.date(2026, 2, 20),
        host_signed_on=dt.date(2026, 2, 21),
        student_signed_on=dt.date(2026, 2, 22),
        guardian_consent_on=dt.date(2026, 2, 22),
        has_guardian_file=True,
    )
    facts = PlacementFacts(
        kind="post",
        start_date=START,
        end_date=END,
        today=START,
        birth_date=dt.date(2007, 5, 1),
        gender="female",
        entry_date=dt.date(2024, 9, 1),
        student_category="电子与信息大类",
        post_category="电子与信息大类",
        enterprise_name="济南软件有限公司",
        wage_standard=Decimal(4000),
        lowest_grade_wage=Decimal(3000),
        monthly_pay=Decimal(3200),
        enterprise_staff=100,
        enterprise_interns=10,
        post_staff=50,
        post_interns=10,
        agreement=agreement,
        policies=[PolicyFacts("P1", dt.date(2026, 1, 1), dt.date(2026, 12, 31))],
        mentor_kinds={"school", "host"},
    )
    return replace(facts, **changes)


def ids(facts) -> set[str]:
    return {v.rule_id for v in rules.evaluate(facts)}


def test_good_placement_passes_every_rule():
    assert rules.evaluate(good()) == []


CASES = [
    ("INT-AGE", {"birth_date": dt.date(2010, 3, 2)}, {"birth_date": dt.date(2010, 3, 1)}),
    ("INT-GRADE1", {"entry_date": dt.date(2025, 9, 1)}, {"entry_date": dt.date(2025, 3, 1)}),
    ("INT-VENUE", {"venue_kind": "ktv"}, {"venue_kind": "ordinary"}),
    ("INT-VENUE", {"enterprise_name": "金色年华KTV有限公司"}, {"enterprise_name": "金色电子有限公司"}),
    ("INT-AGENT", {"arranged_via": "paid_agent"}, {"arranged_via": "self"}),
    ("INT-AGENT", {"enterprise_name": "某某劳务派遣有限公司"}, {"arranged_via": "school"}),
    ("INT-PHYS", {"physical_labour_level": 3}, {"physical_labour_level": 2}),
    ("INT-PHYS", {"high_risk": True}, {"high_risk": True, "special_arrangement_ref": "鲁教备2026-1"}),
    (
        "INT-MINOR",
        {"minor_forbidden": True, "birth_date": dt.date(2009, 1, 1)},
        {"minor_forbidden": True, "birth_date": dt.date(2008, 2, 28)},
    ),
    ("INT-FEMALE", {"female_forbidden": True}, {"female_forbidden": True, "gender": "male"}),
    ("INT-HOL", {"works_holidays": True}, {"works_holidays": True, "special_arrangement_ref": "备2026-3"}),
    ("INT-HOL", {"holiday_work_days": 2}, {"holiday_work_days": 0}),
    (
        "INT-NIGHT",
        {"shift_start": dt.time(20), "shift_end": dt.time(23)},
        {"shift_start": dt.time(14), "shift_end": dt.time(22)},
    ),
    (
        "INT-NIGHT",
        {"shift_start": dt.time(5), "shift_end": dt.time(13)},
        {"shift_start": dt.time(6), "shift_end": dt.time(14)},
    ),
    ("INT-NIGHT", {"overtime": True}, {"overtime": True, "special_arrangement_ref": "备2026-4"}),
    ("INT-NIGHT", {"night_checkins": 3}, {"night_checkins": 0}),
    ("INT-HOURS", {"daily_hours": Decimal("8.5")}, {"daily_hours": Decimal(8)}),
    ("INT-HOURS", {"weekly_hours": Decimal(44)}, {"weekly_hours": Decimal(40)}),
    ("INT-HOURS", {"max_observed_daily_hours": 9.5}, {"max_observed_daily_hours": 8.0}),
    ("INT-RATIO-UNIT", {"enterprise_interns": 11}, {"enterprise_interns": 10}),
    (
        "INT-RATIO-UNIT",
        {"enterprise_staff": 9, "enterprise_interns": 1},
        {"enterprise_staff": 10, "enterprise_interns": 1},
    ),
    ("INT-RATIO-POST", {"post_interns": 11}, {"post_interns": 10}),
    ("INT-RATIO-POST", {"post_staff": 4, "post_interns": 1}, {"post_staff": 5, "post_interns": 1}),
    ("INT-PAY", {"monthly_pay": Decimal(2999)}, {"monthly_pay": Decimal(3000)}),
    (
        "INT-PAY",
        {"monthly_pay": Decimal(3100), "lowest_grade_wage": Decimal(0)},
        {"monthly_pay": Decimal(3200), "lowest_grade_wage": Decimal(0)},
    ),
    ("INT-PAY-CYCLE", {"pay_cycle_days": 60}, {"pay_cycle_days": 31}),
    ("INT-PAY-CYCLE", {"pay_method": "voucher"}, {"pay_method": "cash"}),
    ("INT-PAY-CYCLE", {"paid_directly": False}, {"paid_directly": True}),
    (
        "INT-PAY-CYCLE",
        {
            "status": "active",
            "today": dt.date(2026, 5, 15),
            "pay_records": [PayFacts(dt.date(2026, 3, 1), dt.date(2026, 3, 31))],
        },
        {
            "status": "active",
            "today": dt.date(2026, 4, 20),
            "pay_records": [PayFacts(dt.date(2026, 3, 1), dt.date(2026, 3, 31))],
        },
    ),
    (
        "INT-PAY-CYCLE",
        {"pay_records": [PayFacts(dt.date(2026, 3, 1), dt.date(2026, 3, 31), paid_to_student=False)]},
        {"pay_records": [PayFacts(dt.date(2026, 3, 1), dt.date(2026, 3, 31))]},
    ),
    ("INT-DUR", {"end_date": dt.date(2026, 9, 1)}, {"end_date": dt.date(2026, 8, 31)}),
    (
        "INT-DUR",
        {
            "end_date": dt.date(2027, 3, 1),
            "student_category": "医药卫生大类",
            "post_category": "医药卫生大类",
            "training_plan_reference": "人培方案2024",
        },
        {
            "end_date": dt.date(2027, 2, 28),
            "student_category": "医药卫生大类",
            "post_category": "医药卫生大类",
            "training_plan_reference": "人培方案2024",
        },
    ),
    ("INT-MAJOR", {"post_category": "装备制造大类"}, {"post_category": "电子与信息大类"}),
    ("INT-AGREE", {"agreement": None}, {}),
    # The 知情同意书 of student and guardian: every student from the 2021 revision on (was: under 18).
    ("INT-AGREE", {"agreement": replace(good().agreement, has_guardian_file=False)}, {}),
    (
        "INT-AGREE",
        {
            "start_date": dt.date(2021, 3, 1),
            "end_date": dt.date(2021, 8, 31),
            "birth_date": dt.date(2004, 1, 1),
            "agreement": replace(good().agreement, has_guardian_file=False),
        },
        {"birth_date": dt.date(2003, 1, 1)},
    ),
    ("INT-ID-DOCS", {"agreement": replace(good().agreement, keeps_id_documents=True)}, {}),
    ("INT-GUARANTEE", {"agreement": replace(good().agreement, guarantee_required=True)}, {}),
    (
        "INT-PREMIUM",
        {"pay_records": [PayFacts(dt.date(2026, 3, 1), dt.date(2026, 3, 31), premium_deducted=True)]},
        {"pay_records": [PayFacts(dt.date(2026, 3, 1), dt.date(2026, 3, 31))]},
    ),
    ("INT-INS", {"policies": []}, {}),
    (
        "INT-INS",
        {"policies": [PolicyFacts("P1", START, dt.date(2026, 6, 30))]},
        {
            "policies": [
                PolicyFacts("P1", START, dt.date(2026, 6, 30)),
                PolicyFacts("P2", dt.date(2026, 7, 1), END),
            ]
        },
    ),
    (
        "INT-INS",
        {"policies": [PolicyFacts("P1", START, END, "student")]},
        {"policies": [PolicyFacts("P1", START, END, "enterprise")]},
    ),
    (
        "INT-ASSESS",
        {"today": dt.date(2026, 10, 15)},
        {"today": dt.date(2026, 10, 15), "school_grade": "fail"},
    ),
    ("INT-MENTOR", {"mentor_kinds": {"school"}}, {"mentor_kinds": {"school", "host"}}),
    ("INT-FILING", {"plan_filed": False}, {"plan_filed": True}),
    ("INT-STATUS", {"student_eligible": False}, {"student_eligible": True}),
]


@pytest.mark.parametrize(
    ("rule_id", "failing", "passing"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_rule_fails_and_passes(rule_id, failing, passing):
    assert rule_id in ids(good(**failing))
    assert rule_id not in ids(good(**passing))


def test_every_rule_in_the_domain_table_has_a_case_and_a_source():
    table = {
        "INT-AGE",
        "INT-GRADE1",
        "INT-VENUE",
        "INT-AGENT",
        "INT-PHYS",
        "INT-MINOR",
        "INT-FEMALE",
        "INT-HOL",
        "INT-NIGHT",
        "INT-HOURS",
        "INT-RATIO-UNIT",
        "INT-RATIO-POST",
        "INT-PAY",
        "INT-PAY-CYCLE",
        "INT-FEES",
        "INT-DUR",
        "INT-AGREE",
        "INT-INS",
        "INT-ASSESS",
    }
    assert table <= set(rules.RULES)
    assert table <= {c[0] for c in CASES} | {"INT-FEES"}
    for rule_id, check in rules.RULES.items():
        assert check.__doc__ and "Source" in check.__doc__ or "source" in check.__doc__, rule_id
        assert rules.SOURCES[rule_id]


def test_fees():
    agreement = good().agreement
    charged = replace(agreement, fee_items=[{"code": "deposit", "amount": "500"}])
    assert "INT-FEES" in ids(good(agreement=charged))
    assert "INT-FEES" not in ids(good(agreement=replace(agreement, fee_items=[])))


def test_agreement_incomplete_unsigned_and_late():
    a = good().agreement
    assert "INT-AGREE" in ids(good(agreement=replace(a, fields=a.fields | {"breach_liability": ""})))
    assert "INT-AGREE" in ids(good(agreement=replace(a, host_signed_on=None)))
    assert "INT-AGREE" in ids(good(agreement=replace(a, student_signed_on=dt.date(2026, 3, 2))))
    minor = dict(birth_date=dt.date(2009, 1, 1))
    unconsented = replace(a, guardian_consent_on=None, has_guardian_file=False)
    assert "INT-AGREE" in ids(good(agreement=unconsented, **minor))
    consented = replace(a, guardian_consent_on=dt.date(2026, 2, 1), has_guardian_file=True)
    assert "INT-AGREE" not in ids(good(agreement=consented, **minor))


def test_cognitive_internship_skips_post_only_rules():
    facts = good(
        kind="cognitive",
        birth_date=dt.date(2011, 1, 1),
        entry_date=dt.date(2025, 9, 1),
        enterprise_interns=50,
        monthly_pay=Decimal(0),
    )
    assert ids(facts) == set()


@override_settings(
    INTERNSHIP_MAX_WEEKLY_HOURS=44, INTERNSHIP_UNIT_RATIO="0.05", INTERNSHIP_NIGHT_START="23:00"
)
def test_numbers_come_from_settings():
    assert "INT-HOURS" not in ids(good(weekly_hours=Decimal(44)))
    assert "INT-RATIO-UNIT" in ids(good(enterprise_interns=6))
    assert "INT-NIGHT" not in ids(good(shift_start=dt.time(14), shift_end=dt.time(23)))


def test_ratio_is_exact_not_floored():
    # 1 intern with 9 staff: 10 % of 9 is 0.9 — floor would say 0 allowed, exact says 1 > 0.9.
    assert "INT-RATIO-UNIT" in ids(good(enterprise_staff=9, enterprise_interns=1))
    assert rules._within(2, 20, "0.10")
    assert not rules._within(3, 20, "0.10")
