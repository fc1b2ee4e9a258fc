"""The writers of follow-up rounds after 立项: the province opens a round (中期检查, 验收 or 期满考核)
with its form (the reporting form engine) for every award of a call; schools fill and submit before
the deadline; an optional expert review (the same assignment solver and 回避 as the application
phase); the province rates 优秀/合格/不合格 — a first 不合格 orders rectification (整改) with a deadline,
re-checked on resubmission; reminders before the deadline and escalation after it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core import notifications
from zhijiao.core.lifecycle import fire
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.reporting import definitions as form_definitions
from zhijiao.reporting import services as forms_engine

from . import assignment, awards, definitions, followup, services
from .choices import AwardStatus, NotificationKind, Outcome, ReportStatus, ReviewStatus, RoundStage
from .models import Award, Call, Expert, FollowUpReport, FollowUpReview, FollowUpRound

KEY = "programmes.followup_report"
OPEN_STATES = (ReportStatus.DRAFT, ReportStatus.RECTIFYING)


# --- the lifecycle's guards and data ---------------------------------------------------------------------


def blind_report(report: FollowUpReport) -> dict:
    """What a blind reviewer of a follow-up report is shown when the call is blind: who holds the
    award (an offered major by its major's name, which does not tell the school; a team with the
    school's names masked; a person, student, enterprise or institution not at all) and the
    report's form values, masked by the same helper as the first review (``services.blind_mask``
    over ``services.institution_terms``)."""
    award = report.award
    terms = services.institution_terms(report.institution)
    if award.offering_id:
        awardee = services.blind_mask(award.offering.major.name, terms)
    elif award.team_name:
        awardee = services.blind_mask(award.team_name, terms)
    else:
        awardee = services.BLIND_MASK
    return {
        "awardee": awardee,
        "values": {code: services.blind_mask(text, terms) for code, text in values_by_code(report).items()},
    }


def is_blind_for(report: FollowUpReport, user) -> bool:
    """A follow-up report is shown masked to its reviewers when its call is blind: to anyone who
    reads it only as an assigned expert (not the province, the city or the school)."""
    if not report.round.call.blind_review:
        return False
    scope = user_scope(user)
    if scope.is_province or report.institution_id in scope.institution_ids:
        return False
    path = report.institution.region.path
    return not any(path.startswith(p) for p in scope.region_paths)


def guard_before_due(report, ctx) -> str | None:
    due = report.due
    if due and services.today() > due:
        return _("The deadline (%(d)s) has passed.") % {"d": due.isoformat()}
    return None


def values_by_code(report) -> dict[str, str]:
    version = report.round.form_version
    if version is None:
        return {}
    codes = dict(version.elements.values_list("pk", "code"))
    return {codes[int(pk)]: text for pk, text in report.values.items() if int(pk) in codes}


def guard_form_complete(report, ctx) -> str | None:
    version = report.round.form_version
    if version is None:
        return None
    failures = forms_engine.form_values_failures(version, values_by_code(report))
    if failures:
        return _("The report form is not complete: %(list)s") % {"list": "；".join(failures)}
    return None


def submitted_data(report, ctx) -> dict:
    return {"submitted_at": timezone.now()}


def rectify_data(report, ctx) -> dict:
    return {
        "outcome": Outcome.FAIL,
        "outcome_note": ctx.get("reason", "")[:500],
        "rectify_deadline": services.today() + datetime.timedelta(days=report.round.rectify_days),
        "rectify_count": report.rectify_count + 1,
    }


def conclude_data(report, ctx) -> dict:
    return {
        "outcome": ctx["outcome"],
        "outcome_note": ctx.get("reason", "")[:500],
        "concluded_at": timezone.now(),
    }


def conclude_effect(report, actor, ctx) -> None:
    """The award follows the outcome: accepted after a pass in 验收/期满考核, revoked after a final 不合格."""
    award = report.award
    if report.outcome == Outcome.FAIL:
        awards.award_set_status(actor=actor, award=award, status=AwardStatus.REVOKED)
    elif followup.accepts_award(report.round.kind):
        awards.award_set_status(actor=actor, award=award, status=AwardStatus.ACCEPTED)
    _tell_school(report, report.get_outcome_display())


def rectify_effect(report, actor, ctx) -> None:
    _tell_school(
        report,
        _("Rectification ordered, resubmit by %(d)s") % {"d": report.rectify_deadline.isoformat()},
    )


def _tell_school(report, what: str) -> None:
    title = _("%(round)s — %(award)s: %(what)s") % {
        "round": report.round.name,
        "award": report.award,
        "what": what,
    }
    notifications.notify(
        school_users(report.institution),
        NotificationKind.FOLLOWUP_OUTCOME,
        title,
        report.outcome_note,
        link=f"/programmes/followup/reports/{report.pk}/",
    )


# --- rounds ----------------------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    actor,
    call: Call,
    kind: str,
    name: str,
    due_date: datetime.date,
    form: dict | None = None,
    rubric: list | None = None,
    expert_review: bool = False,
    reviewers_per_report: int = 2,
    rectify_days: int = 30,
    is_demo: bool = False,
) -> FollowUpRound:
    """Open a round for every award of the call still held; ``form`` is a data-set definition of
    the reporting form engine (loaded as its own version), ``rubric`` the items experts score."""
    services._require_province(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    ensure_in_scope(call, actor, "change")
    if due_date < services.today():
        raise ValidationError({"due_date": _("The deadline lies in the future.")})
    if not (1 <= rectify_days <= 365):
        raise ValidationError({"rectify_days": _("Rectification takes between 1 and 365 days.")})
    cleaned_rubric = followup.rubric_check(rubric) if expert_review else []
    held = list(
        Award.objects.filter(application__call=call, status__in=awards.HELD).select_related("institution")
    )
    if not held:
        raise ValidationError(_("This call has no awards to follow up."))
    form_version = None
    if form:
        problems = form_definitions.check(form) if isinstance(form, dict) else [_("not a mapping")]
        if problems:
            raise ValidationError({"form": [str(p) for p in problems]})
        form_version = definitions.form_version_for(actor=actor, form=form)
    rnd = model_create(
        actor=actor,
        instance=FollowUpRound(
            call=call,
            kind=kind,
            name=name,
            form_version=form_version,
            rubric=cleaned_rubric,
            due_date=due_date,
            expert_review=expert_review,
            reviewers_per_report=reviewers_per_report,
            rectify_days=rectify_days,
            is_demo=is_demo,
        ),
        message=_("A report opened for each of %(n)d awards.") % {"n": len(held)},
        event="followup.round_opened",
    )
    FollowUpReport.objects.bulk_create(
        FollowUpReport(round=rnd, award=award, institution=award.institution) for award in held
    )
    return rnd


# --- reports ---------------------------------------------------------------------------------------------


@transaction.atomic
def report_save(*, actor, report: FollowUpReport, values: dict) -> FollowUpReport:
    """Save the report's form values (checked by the form engine; nothing written unless all pass)."""
    report = FollowUpReport.objects.select_for_update(of=("self",)).select_related("round").get(pk=report.pk)
    ensure_in_scope(report, actor, "change")
    if report.status not in OPEN_STATES:
        raise ValidationError(
            _("This report is “%(state)s”; it can no longer be changed.")
            % {"state": report.get_status_display()}
        )
    version = report.round.form_version
    cleaned = {}
    if version is not None:
        ids = dict(version.elements.values_list("code", "pk"))
        cleaned = {
            str(ids[code]): text for code, text in forms_engine.form_values_clean(version, values).items()
        }
    report, _changed = model_update(
        actor=actor, instance=report, data={"values": cleaned}, event="followup.report_saved"
    )
    return report


def report_submit(*, actor, report: FollowUpReport) -> FollowUpReport:
    return fire(KEY, report, "submit", actor=actor)


@transaction.atomic
def reviewers_assign(*, actor, round: FollowUpRound) -> dict:
    """Assign ``reviewers_per_report`` experts to every submitted report of the round by the same
    min-cost flow and 回避 as the application phase, and send them to review."""
    services._require_province(actor)
    rnd = FollowUpRound.objects.select_for_update().select_related("call").get(pk=round.pk)
    if not rnd.expert_review:
        raise ValidationError(_("This round has no expert review."))
    if rnd.stage == RoundStage.CLOSED:
        raise ValidationError(_("This round is closed."))
    reports = list(
        FollowUpReport.objects.filter(round=rnd, status=ReportStatus.SUBMITTED, followup_reviews__isnull=True)
        .select_related("institution__region", "award__application")
        .distinct()
    )
    if not reports:
        raise ValidationError(_("No submitted report awaits reviewers."))
    experts = list(
        Expert.objects.filter(active=True).prefetch_related("former_employers").select_related("city")
    )
    allowed = {r.pk: [e.pk for e in experts if not services.conflicts(rnd.call, r, e)] for r in reports}
    app_field = {r.pk: r.award.application.field for r in reports}
    specialties = {e.pk: list(e.specialties) for e in experts}
    result = assignment.solve(
        n=rnd.reviewers_per_report, allowed=allowed, app_field=app_field, specialties=specialties
    )
    if result.short:
        raise ValidationError(_("Not enough experts without a conflict; add experts to the pool."))
    by_id = {e.pk: e for e in experts}
    for report in reports:
        for expert_id in result.pairs[report.pk]:
            expert = by_id[expert_id]
            model_create(
                actor=actor,
                instance=FollowUpReview(report=report, expert=expert, user=expert.user),
                event="followup.review_assigned",
            )
        fire(KEY, report, "review", actor=actor)
    if rnd.stage == RoundStage.OPEN:
        model_update(
            actor=actor, instance=rnd, data={"stage": RoundStage.REVIEWING}, event="followup.round_stage"
        )
    return {"reports": len(reports), "pairs": sum(len(v) for v in result.pairs.values())}


@transaction.atomic
def review_submit(*, actor, review: FollowUpReview, scores: dict, comments: dict) -> FollowUpReview:
    """An expert's scores on a report, one per rubric item within its highest score."""
    review = (
        FollowUpReview.objects.select_for_update(of=("self",))
        .select_related("report__round")
        .get(pk=review.pk)
    )
    if review.user_id is None or review.user_id != actor.pk:
        raise OutOfScope(_("Only the assigned expert scores this report."))
    report = review.report
    if review.status != ReviewStatus.ASSIGNED or report.status != ReportStatus.UNDER_REVIEW:
        raise ValidationError(_("These scores have been submitted already."))
    rubric = report.round.rubric
    cleaned, total = followup.scores_clean(rubric, scores)
    place = {item["code"]: str(n) for n, item in enumerate(rubric, start=1)}
    review, _changed = model_update(
        actor=actor,
        instance=review,
        data={
            "scores": {place[k]: v for k, v in cleaned.items()},
            "comments": {
                place[k]: str(v)[:1000] for k, v in comments.items() if k in cleaned and str(v).strip()
            },
            "total": total,
            "status": ReviewStatus.SUBMITTED,
            "submitted_at": timezone.now(),
        },
        event="followup.review_submitted",
    )
    reviews = list(report.followup_reviews.all())
    if all(r.status == ReviewStatus.SUBMITTED for r in reviews):
        mean = sum(r.total for r in reviews) / len(reviews)
        FollowUpReport.objects.filter(pk=report.pk).update(score=mean.quantize(Decimal("0.01")))
    return review


@transaction.atomic
def report_conclude(*, actor, report: FollowUpReport, outcome: str, note: str = "") -> FollowUpReport:
    """The province's outcome. 优秀/合格 conclude the report; 不合格 the first time orders
    rectification (整改) within the round's days, re-checked on resubmission; 不合格 after a
    rectification concludes it and revokes the award."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose 优秀, 合格 or 不合格.")})
    report = FollowUpReport.objects.select_related("round").get(pk=report.pk)
    if (
        report.status == ReportStatus.UNDER_REVIEW
        and report.followup_reviews.exclude(status=ReviewStatus.SUBMITTED).exists()
    ):
        raise ValidationError(_("Not every expert has scored this report yet."))
    if outcome == Outcome.FAIL and report.rectify_count == 0:
        return fire(KEY, report, "rectify", actor=actor, reason=note)
    return fire(KEY, report, "conclude", actor=actor, reason=note, outcome=outcome)


@transaction.atomic
def round_close(*, actor, round: FollowUpRound) -> FollowUpRound:
    services._require_province(actor)
    rnd = FollowUpRound.objects.select_for_update().get(pk=round.pk)
    if rnd.reports.exclude(status=ReportStatus.CONCLUDED).exists():
        raise ValidationError(_("Every report must be concluded before the round closes."))
    rnd, _changed = model_update(
        actor=actor, instance=rnd, data={"stage": RoundStage.CLOSED}, event="followup.round_stage"
    )
    return rnd


# --- reminders and escalation ----------------------------------------------------------------------------


def school_users(institution) -> list:
    qs = RoleAssignment.objects.select_related("user").filter(
        institution=institution, role=Role.SCHOOL_ADMIN, user__is_active=True
    )
    return list({ra.user_id: ra.user for ra in qs.order_by("user_id")}.values())


def city_users(institution) -> list:
    city = services.city_of(institution)
    if city is None:
        return []
    qs = RoleAssignment.objects.select_related("user").filter(
        region=city, role=Role.CITY_ADMIN, user__is_active=True
    )
    return list({ra.user_id: ra.user for ra in qs.order_by("user_id")}.values())


@transaction.atomic
def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind schools before a report's deadline (the rule's days before and on the day), tell
    them daily once it is overdue, and escalate to the city bureau after the rule's days. Idempotent
    per day: every message has a key with the date."""
    today = today or services.today()
    day = today.isoformat()
    counts = {"reminders": 0, "overdue": 0, "escalations": 0}
    reports = FollowUpReport.objects.filter(
        status__in=OPEN_STATES, round__stage__in=[RoundStage.OPEN, RoundStage.REVIEWING]
    ).select_related("round", "award", "institution__region")
    for report in reports:
        due = report.due
        kind = followup.due_kind(due, today)
        if kind is None:
            continue
        link = f"/programmes/followup/reports/{report.pk}/"
        what = _("%(round)s — %(award)s is due on %(d)s.") % {
            "round": report.round.name,
            "award": report.award,
            "d": due.isoformat(),
        }
        sent = notifications.notify(
            school_users(report.institution),
            kind,
            what,
            link=link,
            dedupe_key=f"followup:{report.pk}:{kind}:{day}",
        )
        counts["reminders" if kind == NotificationKind.FOLLOWUP_REMINDER else "overdue"] += len(sent)
        if kind == NotificationKind.FOLLOWUP_OVERDUE and followup.escalation_due(due, today):
            text = _("Overdue: %(school)s has not submitted %(round)s (due %(d)s).") % {
                "school": report.institution.name,
                "round": report.round.name,
                "d": due.isoformat(),
            }
            sent = notifications.notify(
                city_users(report.institution),
                NotificationKind.FOLLOWUP_ESCALATION,
                text,
                link=link,
                dedupe_key=f"followup-escalate:{report.pk}:{due.isoformat()}",
            )
            counts["escalations"] += len(sent)
    return counts
