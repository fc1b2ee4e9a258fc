"""Writes for internships. Only these functions (and ``checkins``, ``sweep``) change the tables.

Each is keyword-only with an explicit ``actor``, runs in one transaction, validates, writes an
audit entry and re-checks the scope. Rule checks come from ``rules.py`` through ``facts.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from . import rules
from .choices import (
    DirectReportStatus,
    FilingStatus,
    FindingResult,
    InspectionStatus,
    InternshipKind,
    MentorKind,
    PlacementStatus,
    ReviewStatus,
)
from .facts import concurrent_interns, placement_facts, student_eligible
from .models import (
    Agreement,
    DirectReport,
    Evaluation,
    HolidayCalendar,
    Inspection,
    InspectionItem,
    InsurancePolicy,
    InternshipPlan,
    MentorAssignment,
    PayRecord,
    Placement,
    Post,
    Report,
)

FILING_KIND = "internships.plan_filing"


class PlacementBlocked(ValidationError):
    """Activation refused; ``violations`` lists every failing rule."""

    def __init__(self, violations: list[rules.Violation]):
        self.violations = violations
        super().__init__([f"{v.rule_id}: {v.message}" for v in violations], code="blocked")


def _pick(data: dict[str, Any], names) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in names}


def _today() -> dt.date:
    return timezone.localdate()


# --- who is the actor to a placement ----------------------------------------------------------------
def is_student_of(actor, placement: Placement) -> bool:
    return bool(actor and actor.is_authenticated) and placement.enrolment.student.user_id == actor.pk


def is_host_of(actor, placement: Placement) -> bool:
    """An enterprise user of the host, or the placement's enterprise mentor."""
    if placement.enterprise_id in user_scope(actor).enterprise_ids:
        return True
    return placement.mentors.filter(kind=MentorKind.HOST, user=actor, is_current=True).exists()


def is_school_side(actor, placement: Placement) -> bool:
    """A user who may change the placement (school or authority), or its school mentor."""
    if restrict(Placement.objects.filter(pk=placement.pk), actor, "change").exists():
        return True
    return placement.mentors.filter(kind=MentorKind.SCHOOL, user=actor, is_current=True).exists()


def _require(condition: bool) -> None:
    if not condition:
        raise OutOfScope(_("The record does not exist or is outside your organisation."))


# --- posts and headcounts ---------------------------------------------------------------------------
POST_FIELDS = (
    "enterprise",
    "registered_by",
    "name",
    "major_category",
    "description",
    "venue_kind",
    "physical_labour_level",
    "hazards",
    "high_risk",
    "minor_forbidden",
    "female_forbidden",
    "daily_hours",
    "weekly_hours",
    "shift_start",
    "shift_end",
    "works_holidays",
    "overtime",
    "wage_standard",
    "lowest_grade_wage",
    "on_duty_staff",
    "staff_declared_on",
    "headcount",
    "workplace",
    "latitude",
    "longitude",
    "is_active",
)


@transaction.atomic
def post_create(*, actor, data: dict[str, Any]) -> Post:
    data = _pick(data, POST_FIELDS)
    scope = user_scope(actor)
    if not data.get("registered_by") and len(scope.institution_ids) == 1 and not scope.enterprise_ids:
        from zhijiao.orgs.models import Institution

        data["registered_by"] = Institution.objects.get(pk=scope.institution_ids[0])
    data.setdefault("staff_declared_on", _today())
    return model_create(actor=actor, instance=Post(**data))


def post_headcount_keeps_caps(*, post: Post, on_duty_staff: int, enterprise_staff: int | None = None) -> None:
    """A headcount change may not put the current interns over the 10 %/20 % caps (INT-RATIO-*)."""
    today = _today()
    ent_n, post_n = concurrent_interns(
        enterprise_id=post.enterprise_id, post_id=post.pk, start=today, end=today
    )
    facts = rules.PlacementFacts(
        enterprise_staff=enterprise_staff if enterprise_staff is not None else post.enterprise.headcount,
        enterprise_interns=ent_n,
        post_staff=on_duty_staff,
        post_interns=post_n,
    )
    broken = rules.rule_ratio_post(facts) + rules.rule_ratio_unit(facts)
    if broken:
        raise ValidationError({"on_duty_staff": [str(v.message) for v in broken]})


@transaction.atomic
def post_update(*, actor, post: Post, data: dict[str, Any]) -> Post:
    data = _pick(data, POST_FIELDS)
    data.pop("enterprise", None)  # a post does not move between enterprises
    if "on_duty_staff" in data and data["on_duty_staff"] != post.on_duty_staff:
        post_headcount_keeps_caps(post=post, on_duty_staff=data["on_duty_staff"])
        data.setdefault("staff_declared_on", _today())
    instance, _changed = model_update(actor=actor, instance=post, data=data)
    return instance


# --- plans and filing (备案) -------------------------------------------------------------------------
PLAN_FIELDS = (
    "institution",
    "offering",
    "title",
    "kind",
    "legacy_type",
    "cohort_year",
    "start_date",
    "end_date",
    "training_plan_reference",
    "description",
)
LEGACY_KINDS = {"跟岗": InternshipKind.POST, "顶岗": InternshipKind.POST}


def _plan_checks(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("legacy_type") in LEGACY_KINDS:
        data["kind"] = LEGACY_KINDS[data["legacy_type"]]
    offering, institution = data.get("offering"), data.get("institution")
    if offering and institution and offering.institution_id != institution.pk:
        raise ValidationError({"offering": _("The major is not offered by this institution.")})
    return data


@transaction.atomic
def plan_create(*, actor, data: dict[str, Any], school_mentors=()) -> InternshipPlan:
    data = _plan_checks(_pick(data, PLAN_FIELDS))
    if "title" in data:
        data["title"] = normalize_text(data["title"])
    plan = model_create(actor=actor, instance=InternshipPlan(**data))
    if school_mentors:
        plan.school_mentors.set(school_mentors)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: InternshipPlan, data: dict[str, Any]) -> InternshipPlan:
    data = _plan_checks(_pick(data, PLAN_FIELDS))
    data.pop("institution", None)
    if plan.filing_status in (FilingStatus.IN_REVIEW, FilingStatus.FILED) and set(data) & {
        "kind",
        "start_date",
        "end_date",
        "offering",
    }:
        raise ValidationError(
            _("A filed plan or one in review cannot change its kind, major or dates; withdraw it first.")
        )
    instance, _changed = model_update(actor=actor, instance=plan, data=data)
    return instance


def _workflows_available() -> bool:
    from django.apps import apps

    return apps.is_installed("zhijiao.workflows")


def _set_filing(plan: InternshipPlan, *, actor, status: str, comment: str = "", reference: str = "") -> None:
    before = snapshot(plan)
    plan.filing_status = status
    plan.filing_comment = (comment or "")[:500]
    if status == FilingStatus.FILED:
        plan.filed_at = timezone.now()
        plan.filing_reference = reference or plan.filing_reference or f"SX-{plan.pk:06d}"
    plan.save(update_fields=["filing_status", "filing_comment", "filed_at", "filing_reference", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=plan,
        before=before,
        after=snapshot(plan),
        message="filing",
    )


@transaction.atomic
def plan_submit_filing(*, actor, plan: InternshipPlan, note: str = "") -> InternshipPlan:
    """备案: submit the plan to the authority (city → province through ``workflows`` when installed).

    Without the workflows app the plan's own ``filing_status`` is the state machine
    (draft/returned → in_review → filed | returned), decided by ``plan_decide_filing``.
    """
    plan = InternshipPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_in_scope(plan, actor, "change")
    if plan.filing_status not in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        raise ValidationError(_("Only a draft or returned plan can be submitted for filing."))
    if _workflows_available():
        from zhijiao.workflows.models import ApprovalRequest
        from zhijiao.workflows.services import request_resubmit, request_submit

        open_request = (
            ApprovalRequest.objects.filter(kind=FILING_KIND, object_id=plan.pk, status="returned")
            .order_by("-id")
            .first()
        )
        if open_request is not None:
            request_resubmit(actor=actor, request=open_request, comment=note)
        else:
            request_submit(
                actor=actor,
                kind=FILING_KIND,
                target=plan,
                institution=plan.institution,
                title=plan.title,
                note=note,
            )
    _set_filing(plan, actor=actor, status=FilingStatus.IN_REVIEW, comment=note)
    return plan


@transaction.atomic
def plan_decide_filing(
    *, actor, plan: InternshipPlan, approve: bool, comment: str = "", reference: str = ""
) -> InternshipPlan:
    """The fallback decision when the workflows app is absent: an authority (region user) files or returns."""
    plan = InternshipPlan.objects.select_for_update().select_related("institution__region").get(pk=plan.pk)
    if not any(
        g.region_path and plan.institution.region.path.startswith(g.region_path)
        for g in user_scope(actor).grants_for("change")
    ):
        raise PermissionDenied(_("Only the authority may decide on a filing."))
    if plan.filing_status != FilingStatus.IN_REVIEW:
        raise ValidationError(_("The plan is not awaiting a filing decision."))
    if not approve and not (comment or "").strip():
        raise ValidationError(_("Give a reason for returning the plan."))
    _set_filing(
        plan,
        actor=actor,
        status=FilingStatus.FILED if approve else FilingStatus.RETURNED,
        comment=comment,
        reference=reference,
    )
    return plan


# Hooks for the workflows kind (workflow_kinds.py).
def filing_approved(request, actor) -> None:
    _set_filing(InternshipPlan.objects.get(pk=request.object_id), actor=actor, status=FilingStatus.FILED)


def filing_returned(request, actor, reason) -> None:
    _set_filing(
        InternshipPlan.objects.get(pk=request.object_id),
        actor=actor,
        status=FilingStatus.RETURNED,
        comment=reason,
    )


def filing_cancelled(request, actor, reason) -> None:
    _set_filing(
        InternshipPlan.objects.get(pk=request.object_id),
        actor=actor,
        status=FilingStatus.DRAFT,
        comment=reason,
    )


def filing_resubmitted(request, actor) -> None:
    _set_filing(InternshipPlan.objects.get(pk=request.object_id), actor=actor, status=FilingStatus.IN_REVIEW)


# --- placements --------------------------------------------------------------------------------------
PLACEMENT_FIELDS = (
    "start_date",
    "end_date",
    "arranged_via",
    "monthly_pay",
    "pay_cycle_days",
    "pay_method",
    "paid_directly",
    "special_arrangement_ref",
    "special_arrangement_authority",
    "special_arrangement_date",
)


def _record_check(placement: Placement, violations: list[rules.Violation]) -> None:
    """Store the result; messages are rendered in the site language (they are read later, by anyone)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        placement.violations = [v.as_dict() for v in violations]
    placement.checked_at = timezone.now()
    Placement.objects.filter(pk=placement.pk).update(
        violations=placement.violations, checked_at=placement.checked_at
    )


def placement_check(placement: Placement, *, counting: bool | None = None) -> list[rules.Violation]:
    """Run every rule now and store the result on the placement (shown on its page)."""
    counting = placement.status != PlacementStatus.ACTIVE if counting is None else counting
    violations = rules.evaluate(placement_facts(placement, counting=counting))
    _record_check(placement, violations)
    return violations


@transaction.atomic
def placement_create(
    *, actor, plan: InternshipPlan, enrolment, post: Post, data: dict[str, Any]
) -> Placement:
    """A draft placement; rules are checked at once and the failures stored (activation is separate)."""
    data = _pick(data, PLACEMENT_FIELDS)
    if enrolment.institution_id != plan.institution_id:
        raise ValidationError({"enrolment": _("The student is not enrolled at the plan's institution.")})
    if not student_eligible(enrolment):
        raise ValidationError(
            {
                "enrolment": _(
                    "The student's enrolment is suspended, withdrawn or finished; they cannot be placed."
                )
            }
        )
    if not post.is_active:
        raise ValidationError({"post": _("The post is closed.")})
    data.setdefault("start_date", plan.start_date)
    data.setdefault("end_date", plan.end_date)
    if data["start_date"] < plan.start_date or data["end_date"] > plan.end_date:
        raise ValidationError({"start_date": _("The placement must lie within the plan's dates.")})
    placement = Placement(
        plan=plan,
        enrolment=enrolment,
        post=post,
        institution_id=plan.institution_id,
        enterprise_id=post.enterprise_id,
        **data,
    )
    model_create(actor=actor, instance=placement)
    placement_check(placement)
    return placement


@transaction.atomic
def placement_update(*, actor, placement: Placement, data: dict[str, Any]) -> Placement:
    """Change a placement; an active one must still pass every rule afterwards (else nothing changes)."""
    data = _pick(data, PLACEMENT_FIELDS)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.status == PlacementStatus.ENDED:
        raise ValidationError(_("An ended placement cannot be changed."))
    if "start_date" in data or "end_date" in data:
        start, end = data.get("start_date", placement.start_date), data.get("end_date", placement.end_date)
        if start < placement.plan.start_date or end > placement.plan.end_date:
            raise ValidationError({"start_date": _("The placement must lie within the plan's dates.")})
    placement, _changed = model_update(actor=actor, instance=placement, data=data)
    violations = placement_check(
        placement, counting=True if placement.status != PlacementStatus.ACTIVE else False
    )
    if placement.status == PlacementStatus.ACTIVE and rules.blocking(violations):
        raise PlacementBlocked(rules.blocking(violations))
    return placement


@transaction.atomic
def placement_activate(*, actor, placement: Placement) -> Placement:
    """Draft or suspended → active, only when every rule passes; each failure is listed.

    The host enterprise row is locked so two schools activating at the same host at the same time
    cannot both squeeze under the 10 %/20 % caps.
    """
    from zhijiao.enterprises.models import Enterprise

    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    ensure_in_scope(placement, actor, "change")
    if placement.status not in (PlacementStatus.DRAFT, PlacementStatus.SUSPENDED):
        raise ValidationError(_("Only a draft or suspended placement can be activated."))
    list(Enterprise.objects.select_for_update().filter(pk=placement.enterprise_id))
    violations = placement_check(placement, counting=True)
    blocked = rules.blocking(violations)
    if blocked:
        raise PlacementBlocked(blocked)
    before = snapshot(placement)
    placement.status = PlacementStatus.ACTIVE
    placement.activated_at = timezone.now()
    placement.status_reason = ""
    placement.save(update_fields=["status", "activated_at", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=placement,
        before=before,
        after=snapshot(placement),
        message="activate",
    )
    return placement


def placement_try_activate(*, actor, placement: Placement) -> tuple[Placement, list[rules.Violation]]:
    """Activate, or return the violations (stored on the placement) without raising."""
    try:
        return placement_activate(actor=actor, placement=placement), []
    except PlacementBlocked as exc:
        placement_check(placement, counting=True)
        placement.refresh_from_db()
        return placement, exc.violations


def _set_status(
    *, actor, placement: Placement, status: str, reason: str, allowed_from: tuple[str, ...]
) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    ensure_in_scope(placement, actor, "change")
    if placement.status not in allowed_from:
        raise ValidationError(_("The placement cannot move to this status from its current one."))
    before = snapshot(placement)
    placement.status, placement.status_reason = status, (reason or "")[:500]
    placement.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=placement,
        before=before,
        after=snapshot(placement),
        message=status,
    )
    return placement


@transaction.atomic
def placement_suspend(*, actor, placement: Placement, reason: str) -> Placement:
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason for suspending the placement."))
    return _set_status(
        actor=actor,
        placement=placement,
        status=PlacementStatus.SUSPENDED,
        reason=reason,
        allowed_from=(PlacementStatus.ACTIVE,),
    )


@transaction.atomic
def placement_end(*, actor, placement: Placement, reason: str = "") -> Placement:
    return _set_status(
        actor=actor,
        placement=placement,
        status=PlacementStatus.ENDED,
        reason=reason,
        allowed_from=(PlacementStatus.ACTIVE, PlacementStatus.SUSPENDED, PlacementStatus.DRAFT),
    )


# --- agreement, insurance, mentors ------------------------------------------------------------------
AGREEMENT_FIELDS = (
    *rules.AGREEMENT_REQUIRED,
    "other_matters",
    "fee_items",
    "school_signed_on",
    "host_signed_on",
    "student_signed_on",
    "guardian_consent_on",
    "guardian_consent_file",
    "attachment",
)


def agreement_dates_plausible(*, placement: Placement, data: dict[str, Any]) -> None:
    """No signature in the future, none well before the plan existed in the platform (a backdated agreement).

    The grace period ``INTERNSHIP_AGREEMENT_BACKDATE_DAYS`` (default 30) admits plans entered a little late.
    """
    from django.conf import settings

    grace = dt.timedelta(days=getattr(settings, "INTERNSHIP_AGREEMENT_BACKDATE_DAYS", 30))
    today, earliest = _today(), timezone.localdate(placement.plan.created_at) - grace
    errors = {}
    for name in ("school_signed_on", "host_signed_on", "student_signed_on", "guardian_consent_on"):
        day = data.get(name)
        if day and day > today:
            errors[name] = _("A signature date cannot be in the future.")
        elif day and day < earliest:
            errors[name] = _("The date is before the internship plan existed; the agreement looks backdated.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agreement_record(*, actor, placement: Placement, data: dict[str, Any]) -> Agreement:
    data = _pick(data, AGREEMENT_FIELDS)
    ensure_in_scope(placement, actor, "change")
    agreement_dates_plausible(placement=placement, data=data)
    existing = Agreement.objects.filter(placement=placement).first()
    if existing is None:
        agreement = model_create(actor=actor, instance=Agreement(placement=placement, **data))
    else:
        agreement, _changed = model_update(actor=actor, instance=existing, data=data)
    placement_check(placement)
    return agreement


@transaction.atomic
def insurance_record(*, actor, placement: Placement, data: dict[str, Any]) -> InsurancePolicy:
    data = _pick(
        data, ("policy_no", "insurer", "coverage_start", "coverage_end", "premium_payer", "attachment")
    )
    ensure_in_scope(placement, actor, "change")
    policy = model_create(actor=actor, instance=InsurancePolicy(placement=placement, **data))
    placement_check(placement)
    return policy


@transaction.atomic
def mentor_assign(
    *, actor, placement: Placement, kind: str, name: str, user=None, phone: str = ""
) -> MentorAssignment:
    """Appoint the school or enterprise mentor; the previous one of that kind steps down."""
    if kind == MentorKind.HOST:
        _require(is_host_of(actor, placement) or is_school_side(actor, placement))
    else:
        ensure_in_scope(placement, actor, "change")
    MentorAssignment.objects.filter(placement=placement, kind=kind, is_current=True).update(is_current=False)
    mentor = model_create(
        actor=actor,
        instance=MentorAssignment(
            placement=placement, kind=kind, name=normalize_text(name), user=user, phone=phone
        ),
        check_scope=False,
    )
    placement_check(placement)
    return mentor


# --- reports -----------------------------------------------------------------------------------------
@transaction.atomic
def report_submit(*, actor, placement: Placement, data: dict[str, Any]) -> Report:
    """The student writes a daily/weekly/monthly report on their own placement."""
    from .anomalies import text_fingerprint

    _require(is_student_of(actor, placement))
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.SUSPENDED, PlacementStatus.ENDED):
        raise ValidationError(_("Reports are written once the placement is active."))
    data = _pick(data, ("kind", "period_start", "period_end", "title", "content", "attachment"))
    if data.get("period_start") and data["period_start"] > _today():
        raise ValidationError({"period_start": _("A report cannot be about a period that has not begun.")})
    data["content"] = normalize_text(data.get("content", ""))
    report = Report(placement=placement, fingerprint=text_fingerprint(data["content"]), **data)
    return model_create(actor=actor, instance=report, check_scope=False)


@transaction.atomic
def report_review(*, actor, report: Report, accept: bool, comment: str = "") -> Report:
    """A school or enterprise mentor reviews a report; returning it needs a comment."""
    placement = report.placement
    _require(is_school_side(actor, placement) or is_host_of(actor, placement))
    if not accept and not comment.strip():
        raise ValidationError({"review_comment": _("Say what should be revised.")})
    data = {
        "status": ReviewStatus.REVIEWED if accept else ReviewStatus.RETURNED,
        "reviewed_by": actor,
        "reviewed_at": timezone.now(),
        "review_comment": comment,
    }
    report, _changed = model_update(actor=actor, instance=report, data=data, check_scope=False)
    return report


# --- 直报 --------------------------------------------------------------------------------------------
@transaction.atomic
def direct_report_submit(*, actor, data: dict[str, Any], placement: Placement | None = None) -> DirectReport:
    """A student reports an incident or problem to the school and the authority (optionally anonymous to the authority)."""
    data = _pick(data, ("category", "occurred_on", "content", "attachment", "anonymous_to_authority"))
    if placement is None:
        placement = Placement.objects.filter(enrolment__student__user=actor).order_by("-start_date").first()
    if placement is None or not is_student_of(actor, placement):
        raise ValidationError(_("Only a student with a placement can file a direct report."))
    report = DirectReport(
        placement=placement,
        institution_id=placement.institution_id,
        enterprise_id=placement.enterprise_id,
        reporter=actor,
        **data,
    )
    return model_create(actor=actor, instance=report, check_scope=False)


@transaction.atomic
def direct_report_respond(*, actor, report: DirectReport, response: str, close: bool = False) -> DirectReport:
    """The school (institution user) or the authority (region user) answers; the time is kept for the dashboard."""
    report = DirectReport.objects.select_for_update().select_related("institution__region").get(pk=report.pk)
    ensure_in_scope(report, actor, "change")
    if not response.strip():
        raise ValidationError({"response": _("Write a response.")})
    scope = user_scope(actor)
    now = timezone.now()
    as_authority = scope.is_superuser or any(g.region_path for g in scope.grants_for("change"))
    data = {"status": DirectReportStatus.CLOSED if close else DirectReportStatus.ANSWERED}
    if as_authority:
        data.update(authority_response=response, authority_responded_at=now)
    else:
        data.update(school_response=response, school_responded_at=now)
    report, _changed = model_update(actor=actor, instance=report, data=data)
    return report


# --- pay ---------------------------------------------------------------------------------------------
@transaction.atomic
def pay_record(*, actor, placement: Placement, data: dict[str, Any]) -> PayRecord:
    """The enterprise (or school) records a month's pay."""
    _require(is_host_of(actor, placement) or is_school_side(actor, placement))
    data = _pick(data, ("period", "amount", "paid_on", "method", "paid_to_student"))
    if data.get("period"):
        data["period"] = data["period"].replace(day=1)
    if data.get("paid_on") and data["paid_on"] > _today():
        raise ValidationError({"paid_on": _("A payment date cannot be in the future.")})
    record = model_create(actor=actor, instance=PayRecord(placement=placement, **data), check_scope=False)
    placement_check(placement, counting=False)
    return record


@transaction.atomic
def pay_confirm(*, actor, record: PayRecord, received_amount, note: str = "") -> PayRecord:
    """The student confirms what actually arrived; a shortfall stays visible to the school."""
    _require(is_student_of(actor, record.placement))
    data = {"received_amount": received_amount, "confirmed_at": timezone.now(), "student_note": note}
    record, _changed = model_update(actor=actor, instance=record, data=data, check_scope=False)
    return record


# --- evaluation and grading --------------------------------------------------------------------------
def _evaluation(placement: Placement) -> Evaluation:
    evaluation, _created = Evaluation.objects.select_for_update().get_or_create(placement=placement)
    return evaluation


@transaction.atomic
def evaluation_by_enterprise(*, actor, placement: Placement, score: int, comment: str = "") -> Evaluation:
    _require(is_host_of(actor, placement))
    data = {
        "enterprise_score": score,
        "enterprise_comment": comment,
        "enterprise_evaluated_by": actor,
        "enterprise_evaluated_at": timezone.now(),
    }
    evaluation, _changed = model_update(
        actor=actor, instance=_evaluation(placement), data=data, check_scope=False
    )
    return evaluation


@transaction.atomic
def evaluation_grade(*, actor, placement: Placement, grade: str, comment: str = "") -> Evaluation:
    """The school grades the internship (优秀/良好/合格/不合格); 不合格 blocks graduation (INT-ASSESS)."""
    _require(is_school_side(actor, placement))
    if grade not in {"excellent", "good", "pass", "fail"}:
        raise ValidationError({"school_grade": _("Choose one of the four grades.")})
    if placement.start_date > _today():
        raise ValidationError({"school_grade": _("An internship that has not started cannot be graded.")})
    data = {"school_grade": grade, "school_comment": comment, "graded_by": actor, "graded_at": timezone.now()}
    evaluation, _changed = model_update(
        actor=actor, instance=_evaluation(placement), data=data, check_scope=False
    )
    return evaluation


# --- check-in confirmation by the host mentor --------------------------------------------------------
@transaction.atomic
def checkins_confirm(*, actor, placement: Placement, ids: list[int]) -> int:
    _require(is_host_of(actor, placement))
    from .models import CheckIn

    n = CheckIn.objects.filter(placement=placement, pk__in=ids, confirmed_at__isnull=True).update(
        confirmed_by=actor, confirmed_at=timezone.now()
    )
    audit_record(
        actor=actor, action=AuditAction.UPDATE, instance=placement, message=f"confirmed {n} check-ins"
    )
    return n


# --- holiday calendar --------------------------------------------------------------------------------
@transaction.atomic
def holiday_calendar_load(*, actor, rows: list[tuple[dt.date, str, str]], system: bool = False) -> int:
    """Upsert (date, kind, name) rows from the State Council notice; make-up days are kind "workday"."""
    if not system and not user_scope(actor).is_province:
        raise PermissionDenied(_("Only the province maintains the holiday calendar."))
    n = 0
    for day, kind, name in rows:
        HolidayCalendar.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})
        n += 1
    audit_record(
        actor=actor, action=AuditAction.IMPORT, object_type="internships.holidaycalendar", message=f"{n} days"
    )
    return n


# --- 专项检查 ----------------------------------------------------------------------------------------
@transaction.atomic
def inspection_launch(
    *,
    actor,
    region,
    title: str,
    answer_due: dt.date,
    sample_size: int = 20,
    rule_ids: list[str] | None = None,
) -> Inspection:
    """An authority launches an inspection over its region: checklist from the rules, a sample of active placements."""
    checklist = [{"rule_id": rid, "source": rules.SOURCES[rid]} for rid in (rule_ids or list(rules.RULES))]
    inspection = model_create(
        actor=actor,
        instance=Inspection(
            region=region,
            title=normalize_text(title),
            answer_due=answer_due,
            checklist=checklist,
            launched_by=actor,
        ),
    )
    # The sample: placements with open alerts first, then the rest, spread over schools (deterministic).
    sample = list(
        restrict(
            Placement.objects.filter(
                status=PlacementStatus.ACTIVE, institution__region__path__startswith=region.path
            ),
            actor,
            "view",
        )
        .order_by("-checked_at", "institution_id", "id")
        .values_list("id", "institution_id")[: max(1, sample_size)]
    )
    InspectionItem.objects.bulk_create(
        [InspectionItem(inspection=inspection, placement_id=pid, institution_id=iid) for pid, iid in sample]
    )
    return inspection


@transaction.atomic
def inspection_answer(*, actor, item: InspectionItem, answer: str, evidence=None) -> InspectionItem:
    ensure_in_scope(item, actor, "change")
    if item.inspection.status != InspectionStatus.OPEN:
        raise ValidationError(_("The inspection is closed."))
    data = {"school_answer": answer, "answered_at": timezone.now()}
    if evidence is not None:
        data["evidence"] = evidence
    item, _changed = model_update(actor=actor, instance=item, data=data)
    return item


@transaction.atomic
def inspection_finding(
    *,
    actor,
    item: InspectionItem,
    result: str,
    note: str = "",
    failed_rules=(),
    rectification_due: dt.date | None = None,
) -> InspectionItem:
    """Inspectors (authority users of the inspection's region) record the finding."""
    inspection = item.inspection
    ensure_in_scope(inspection, actor, "change")
    if result == FindingResult.NON_COMPLIANT and not rectification_due:
        raise ValidationError(
            {"rectification_due": _("Set a rectification deadline for a non-compliant finding.")}
        )
    unknown = set(failed_rules) - set(rules.RULES)
    if unknown:
        raise ValidationError({"failed_rules": _("Unknown rules: %(r)s") % {"r": ", ".join(sorted(unknown))}})
    data = {
        "result": result,
        "finding_note": note,
        "failed_rules": list(failed_rules),
        "rectification_due": rectification_due,
    }
    item, _changed = model_update(actor=actor, instance=item, data=data, check_scope=False)
    return item


@transaction.atomic
def inspection_close(*, actor, inspection: Inspection) -> Inspection:
    inspection, _changed = model_update(
        actor=actor,
        instance=inspection,
        data={"status": InspectionStatus.CLOSED, "closed_at": timezone.now()},
    )
    return inspection


def holiday_calendar_rows(path=None) -> list[tuple[dt.date, str, str]]:
    """The calendar shipped in ``data/holidays_cn.csv`` (or another file of date,kind,name)."""
    import csv
    from pathlib import Path

    path = Path(path or Path(__file__).parent / "data" / "holidays_cn.csv")
    with path.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [(dt.date.fromisoformat(r["date"]), r["kind"], r["name"]) for r in csv.DictReader(lines)]
