"""Art. 18 (pay, payment cycle, no fees), the duration and the major-category match."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from ..choices import PayMethod, WorkKind
from .base import PlacementFacts, Violation, _v, add_months, conf, version_reached


# --- Art. 18: pay ------------------------------------------------------------------------------------
def rule_pay(f: PlacementFacts) -> list[Violation]:
    """INT-PAY [V]: pay ≥ 80 % of the post's wage standard, or ≥ its lowest wage grade.

    Source: 教职成〔2021〕4号 Art. 18, https://wechat.estsglobal.com/wechat/law_contents/350
    """
    if not f.is_post:
        return []
    pay = Decimal(f.monthly_pay)
    if f.work_kind == WorkKind.ASSISTING:
        # The floor is for students who work relatively independently; one who assists is owed
        # 适当报酬 (appropriate pay) by the post's pay, workload and hours — no number to check.
        if pay > 0:
            return []
        return _v(
            "INT-PAY",
            _("The student assists on the post and is owed appropriate pay; none is agreed."),
            "warn",
        )
    ratio = Decimal(str(conf("INTERNSHIP_PAY_RATIO")))
    # The lowest-wage-grade alternative is new in 2021; the 2016 floor was 80 % of the probation wage.
    lowest_ok = f.lowest_grade_wage and pay >= Decimal(f.lowest_grade_wage) and version_reached(f, "2021")
    if pay >= ratio * Decimal(f.wage_standard) or lowest_ok:
        return []
    return _v(
        "INT-PAY",
        _("The pay is below %(pct)s%% of the post's wage and below its lowest wage grade.")
        % {"pct": int(ratio * 100)},
    )


def rule_pay_cycle(f: PlacementFacts) -> list[Violation]:
    """INT-PAY-CYCLE [V]: paid at least monthly, in money, directly to the student.

    Checks the agreed terms and the pay records (gaps between payments, method, payee).
    Source: 教职成〔2021〕4号 Art. 18, https://wechat.estsglobal.com/wechat/law_contents/350
    """
    if not f.is_post:
        return []
    limit = conf("INTERNSHIP_MAX_PAY_INTERVAL_DAYS")
    money = (PayMethod.BANK_TRANSFER, PayMethod.CASH)
    if f.pay_cycle_days > limit:
        return _v("INT-PAY-CYCLE", _("The payment cycle is longer than %(days)s days.") % {"days": limit})
    if f.pay_method not in money or not f.paid_directly:
        return _v("INT-PAY-CYCLE", _("Pay must be in money and go directly to the student."))
    for record in f.pay_records:
        if record.method not in money or not record.paid_to_student:
            return _v("INT-PAY-CYCLE", _("A payment was not made in money to the student's own account."))
    if f.status == "active":
        # The gap since the last payment (or the start): the daily sweep sees every gap as it opens.
        last = max([r.paid_on for r in f.pay_records], default=f.start_date)
        if (f.today - last).days > limit:
            return _v(
                "INT-PAY-CYCLE", _("No pay was recorded for more than %(days)s days.") % {"days": limit}
            )
    return []


def rule_fees(f: PlacementFacts) -> list[Violation]:
    """INT-FEES [S]: no deposit, training, commission, management, materials or employment-service fee.

    Source: Shaanxi 细则, http://tour.mbatrip.com/tour/2023/0104/52741.html
    """
    blocked = set(conf("INTERNSHIP_FEE_BLOCKLIST"))
    items = f.agreement.fee_items if f.agreement else []
    if any((item.get("code") if isinstance(item, dict) else item) in blocked for item in items):
        return _v("INT-FEES", _("Students may not be charged deposits or fees of any kind."))
    return []


def rule_id_documents(f: PlacementFacts) -> list[Violation]:
    """INT-ID-DOCS [S]: the school and the host may not keep the student's 居民身份证 or 学生证.

    Source: internships.md §7 (the 2016 and 2021 规定 forbid holding students' ID documents).
    """
    if f.agreement and f.agreement.keeps_id_documents:
        return _v("INT-ID-DOCS", _("The school or host may not keep the student's ID card or student card."))
    return []


def rule_guarantee(f: PlacementFacts) -> list[Violation]:
    """INT-GUARANTEE [S]: no guarantee demanded, no property taken from the student.

    Source: internships.md §7 (Shaanxi 细则, http://tour.mbatrip.com/tour/2023/0104/52741.html).
    """
    if f.agreement and f.agreement.guarantee_required:
        return _v("INT-GUARANTEE", _("The student may not be asked for a guarantee or property."))
    return []


def rule_premium(f: PlacementFacts) -> list[Violation]:
    """INT-PREMIUM [V 2010/R 2021]: the liability-insurance premium is the school's; it may not be deducted
    from the student's pay (a policy paid by the student is INT-INS).

    Source: internships.md §10 (https://m.jiajiaoban.com/e/20101105/4cd36358d7f24.shtml).
    """
    if any(r.premium_deducted for r in f.pay_records):
        return _v("INT-PREMIUM", _("The insurance premium may not be deducted from the student's pay."))
    return []


# --- duration and major ------------------------------------------------------------------------------
def rule_duration(f: PlacementFacts) -> list[Violation]:
    """INT-DUR [S]: a post internship generally lasts 6 months; longer needs the training plan, and
    only majors on the extended list (medical, nursing) go up to 12 months (both configurable).

    Source: Shaanxi/Hainan 细则 (http://tour.mbatrip.com/tour/2023/0104/52741.html); gocodog 1874.
    """
    if not f.is_post:
        return []
    usual, extended = conf("INTERNSHIP_POST_MONTHS"), conf("INTERNSHIP_EXTENDED_MONTHS")
    is_extended = any(name in f.student_category for name in conf("INTERNSHIP_EXTENDED_CATEGORIES"))
    limit = extended if (is_extended and f.training_plan_reference) else usual
    if f.end_date < add_months(f.start_date, limit):
        return []
    if limit == extended:
        return _v("INT-DUR", _("The internship is longer than %(m)s months.") % {"m": extended})
    return _v(
        "INT-DUR",
        _(
            "A post internship longer than %(m)s months needs an extended-duration major and a reference to the training plan."
        )
        % {"m": usual},
    )


def rule_major(f: PlacementFacts) -> list[Violation]:
    """INT-MAJOR [S]: the post must be in the student's major category (不得跨专业大类).

    Categories are compared by name, since the same 大类 has different codes per level.
    Source: Shaanxi 细则, http://tour.mbatrip.com/tour/2023/0104/52741.html; internships.md §8.
    """
    if f.is_post and f.post_category and f.student_category and f.post_category != f.student_category:
        return _v("INT-MAJOR", _("The post is outside the student's major category."))
    return []
