"""Turn a placement in the database into ``rules.PlacementFacts`` (a handful of queries, no N+1)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from .choices import ExceptionStatus, InternshipKind, PlacementStatus
from .models import Agreement, Evaluation, Placement, RuleException
from .models.vetting import AssessmentStatus
from .rules import AGREEMENT_REQUIRED, AgreementFacts, PayFacts, PlacementFacts, PolicyFacts

try:  # the registry's definition of "studying" (registered or held back a year)
    from zhijiao.students.rules import STUDYING as ELIGIBLE_STATUSES
except ImportError:  # pragma: no cover - the registry always ships it
    ELIGIBLE_STATUSES = frozenset({"registered", "retained"})


def student_eligible(enrolment) -> bool:
    """The placement's enrolment is the student's current one and the registry says they may intern
    (``students.selectors.student_is_eligible_for_internship``: not suspended, withdrawn or graduated)."""
    if not enrolment.is_current:
        return False
    try:
        from zhijiao.students.selectors import student_is_eligible_for_internship
    except ImportError:  # pragma: no cover
        return enrolment.status in ELIGIBLE_STATUSES
    return bool(student_is_eligible_for_internship(enrolment.student))


def concurrent_interns(
    *, enterprise_id: int, post_id: int, start: dt.date, end: dt.date, exclude_pk=None
) -> tuple[int, int]:
    """Active post-internship placements from every school overlapping [start, end]: (at the enterprise, on the post).

    One SQL aggregate. Overlap over the period is stricter than "at one instant", which the rule allows.
    """
    qs = Placement.objects.filter(
        enterprise_id=enterprise_id,
        status=PlacementStatus.ACTIVE,
        plan__kind=InternshipKind.POST,
        start_date__lte=end,
        end_date__gte=start,
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    row = qs.aggregate(ent=Count("id"), post=Count("id", filter=Q(post_id=post_id)))
    return row["ent"], row["post"]


def agreement_facts(agreement: Agreement | None) -> AgreementFacts | None:
    if agreement is None:
        return None
    return AgreementFacts(
        fields={name: getattr(agreement, name) for name in AGREEMENT_REQUIRED},
        school_signed_on=agreement.school_signed_on,
        host_signed_on=agreement.host_signed_on,
        student_signed_on=agreement.student_signed_on,
        guardian_consent_on=agreement.guardian_consent_on,
        has_guardian_file=bool(agreement.guardian_consent_file),
        fee_items=list(agreement.fee_items or []),
        keeps_id_documents=agreement.keeps_id_documents,
        guarantee_required=agreement.guarantee_required,
    )


def placement_facts(
    placement: Placement,
    *,
    today: dt.date | None = None,
    counting: bool = True,
    cap_day: dt.date | None = None,
) -> PlacementFacts:
    """The snapshot the rules read.

    Caps count the placements overlapping this one's period, plus this one when ``counting`` (it is
    about to become active). The daily sweep passes ``cap_day``: interns present on that day.
    """
    p = (
        Placement.objects.select_related(
            "plan",
            "post",
            "post__major_category",
            "enterprise",
            "enrolment",
            "enrolment__student",
            "enrolment__offering__major__major_class__category",
        )
        .prefetch_related("policies", "mentors", "pay_records")
        .get(pk=placement.pk)
    )
    student, post, plan = p.enrolment.student, p.post, p.plan
    window = (cap_day, cap_day) if cap_day else (p.start_date, p.end_date)
    ent_n, post_n = concurrent_interns(
        enterprise_id=p.enterprise_id, post_id=p.post_id, start=window[0], end=window[1], exclude_pk=p.pk
    )
    if cap_day:
        counting = p.status == PlacementStatus.ACTIVE and p.start_date <= cap_day <= p.end_date
    extra = 1 if counting and plan.kind == InternshipKind.POST else 0
    agreement = Agreement.objects.filter(placement=p).first()
    evaluation = Evaluation.objects.filter(placement=p).first()
    return PlacementFacts(
        **vetting_facts(p),
        kind=plan.kind,
        start_date=p.start_date,
        end_date=p.end_date,
        today=today or timezone.localdate(),
        status=p.status,
        birth_date=student.birth_date,
        gender=student.gender,
        entry_date=p.enrolment.entry_date,
        student_category=p.enrolment.offering.major.major_class.category.name,
        student_eligible=student_eligible(p.enrolment),
        enterprise_name=p.enterprise.name,
        venue_kind=post.venue_kind,
        physical_labour_level=post.physical_labour_level,
        high_risk=post.high_risk,
        minor_forbidden=post.minor_forbidden,
        female_forbidden=post.female_forbidden,
        daily_hours=post.daily_hours,
        weekly_hours=post.weekly_hours,
        shift_start=post.shift_start,
        shift_end=post.shift_end,
        works_holidays=post.works_holidays,
        overtime=post.overtime,
        wage_standard=post.wage_standard,
        lowest_grade_wage=post.lowest_grade_wage,
        post_category=post.major_category.name,
        arranged_via=p.arranged_via,
        self_application_on=p.self_application_on,
        self_approved_on=p.self_approved_on,
        work_kind=p.work_kind,
        monthly_pay=p.monthly_pay,
        pay_cycle_days=p.pay_cycle_days,
        pay_method=p.pay_method,
        paid_directly=p.paid_directly,
        special_arrangement_ref=p.special_arrangement_ref,
        training_plan_reference=plan.training_plan_reference,
        plan_filed=plan.filing_status == "filed",
        enterprise_staff=p.enterprise.headcount,
        enterprise_interns=ent_n + extra,
        post_staff=post.on_duty_staff,
        post_staff_declared_on=post.staff_declared_on,
        post_interns=post_n + extra,
        agreement=agreement_facts(agreement),
        policies=[
            PolicyFacts(x.policy_no, x.coverage_start, x.coverage_end, x.premium_payer)
            for x in p.policies.all()
        ],
        mentor_kinds={m.kind for m in p.mentors.all() if m.is_current},
        pay_records=[
            PayFacts(r.period, r.paid_on, r.method, r.paid_to_student, r.premium_deducted)
            for r in p.pay_records.all()
        ],
        school_grade=evaluation.school_grade if evaluation else "",
        exceptions={
            x.rule_id: x.basis
            for x in RuleException.objects.filter(placement=p, status=ExceptionStatus.APPROVED)
        },
    )


def vetting_facts(p: Placement) -> dict:
    """The host's vetting, the blacklist and the readiness records of one placement (three queries)."""
    from .models import BlacklistEntry, HostAssessment, PlacementSafety
    from .rules.vetting import HOST_LISTED, HOST_NOT_APPROVED, HOST_NOT_ASSESSED

    assessment = (
        HostAssessment.objects.filter(
            institution_id=p.institution_id,
            enterprise_id=p.enterprise_id,
            status__in=[AssessmentStatus.DRAFT, AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED],
        )
        .values("status", "assessed_on")
        .first()
    )
    if assessment is None:
        vetting, assessed_on = HOST_NOT_ASSESSED, None
    else:
        listed = assessment["status"] != AssessmentStatus.DRAFT
        vetting, assessed_on = (HOST_LISTED if listed else HOST_NOT_APPROVED), assessment["assessed_on"]
    entry = (
        BlacklistEntry.objects.filter(enterprise_id=p.enterprise_id, listed_on__lte=p.end_date)
        .filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=p.start_date))
        .values_list("document_number", "reason")
        .first()
    )
    safety = PlacementSafety.objects.filter(placement=p).first()
    return {
        "host_vetting": vetting,
        "host_assessed_on": assessed_on,
        "blacklisted": tuple(entry) if entry else None,
        "training_on": safety.training_on if safety else None,
        "test_passed_on": safety.test_passed_on if safety else None,
        "destination": safety.destination if safety else "in_province",
        "outside_approved_on": safety.outside_approved_on if safety else None,
        "outside_filed_on": safety.outside_filed_on if safety else None,
        "health_check_on": safety.health_check_on if safety else None,
        "minor_registered_on": safety.minor_registered_on if safety else None,
    }


def checkin_observations(*, today: dt.date) -> dict[int, dict]:
    """Per placement, from the check-ins of the sweep window: holiday days worked, night check-ins,
    the longest day (first START to last END) and the last day seen. Portable (Python) version of
    the CTEs in ``sweep.PG_SQL``.
    """
    from django.conf import settings

    from zhijiao.core import workdays

    from . import rules
    from .models import CheckIn

    window = max(getattr(settings, "INTERNSHIP_SWEEP_WINDOW_DAYS", 7), rules.conf("INTERNSHIP_MISSING_DAYS"))
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(today - dt.timedelta(days=window), dt.time.min, tzinfo=tz)
    holidays = set(workdays.calendar().holidays_between(since.date(), today))
    ns, ne = (
        rules._minutes(rules.conf("INTERNSHIP_NIGHT_START")),
        rules._minutes(rules.conf("INTERNSHIP_NIGHT_END")),
    )
    days: dict[tuple[int, dt.date], dict] = {}
    for pid, kind, at in CheckIn.objects.filter(occurred_at__gte=since).values_list(
        "placement_id", "kind", "occurred_at"
    ):
        local = timezone.localtime(at, tz)
        d = days.setdefault((pid, local.date()), {"start": None, "end": None, "night": 0})
        m = local.hour * 60 + local.minute
        if (ns > ne and (m >= ns or m < ne)) or (ns <= ne and ns <= m < ne):
            d["night"] += 1
        if kind == "START":
            d["start"] = min(d["start"] or local, local)
        else:
            d["end"] = max(d["end"] or local, local)
    out: dict[int, dict] = {}
    for (pid, day), d in days.items():
        o = out.setdefault(
            pid,
            {
                "holiday_work_days": 0,
                "night_checkins": 0,
                "max_observed_daily_hours": 0.0,
                "last_checkin_day": None,
            },
        )
        o["night_checkins"] += d["night"]
        o["holiday_work_days"] += day in holidays
        if d["start"] and d["end"]:
            o["max_observed_daily_hours"] = max(
                o["max_observed_daily_hours"], (d["end"] - d["start"]).total_seconds() / 3600
            )
        o["last_checkin_day"] = max(o["last_checkin_day"] or day, day)
    return out
