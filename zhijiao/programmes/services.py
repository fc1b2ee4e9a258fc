"""The writers of 项目库: calls copied from a type, applications (draft, form values through the
reporting form engine, attachments through core.files, submit before the deadline), the city's
ranked recommendation within quota, formal screening, the expert pool, reviewer assignment
(``assignment``: exact min-cost flow, hard 回避), scores per rubric item, the ranking with its
tie rule, the decision list, the public notice and 立项."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import files, rules
from zhijiao.core.audit import audit_bulk, audit_record, snapshot
from zhijiao.core.lifecycle import fire
from zhijiao.core.models import AuditAction
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text, validate_plain_text
from zhijiao.core.workdays import add_working_days
from zhijiao.orgs.choices import InstitutionKind, RegionLevel
from zhijiao.orgs.models import Region
from zhijiao.reporting import services as forms_engine

from . import assignment, awards
from .choices import ApplicantKind, CallStage, FundingSource, ObjectionStatus, ReviewStatus
from .choices import ApplicationStatus as S
from .followup import scores_clean as rubric_scores_clean
from .models import (
    Application,
    Attachment,
    Call,
    CityQuota,
    Expert,
    FormerEmployment,
    Objection,
    ProgrammeType,
    Review,
)
from .rules import ELIGIBILITY, funding_over_budget

KEY = "programmes.application"
FILE_KINDS = {
    "pdf": files.PDF,
    "docx": files.DOCX,
    "xlsx": files.XLSX,
    "jpeg": files.JPEG,
    "png": files.PNG,
    "zip": files.ZIP,
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def today() -> datetime.date:
    return timezone.localdate()


# --- relationships and guards of the lifecycle ---------------------------------------------------


def is_province(obj, actor) -> bool:
    return user_scope(actor).is_province


def city_of(institution) -> Region | None:
    region = institution.region
    while region is not None and region.level != RegionLevel.CITY:
        region = region.parent
    return region


def is_city_of(application, actor) -> bool:
    """The actor holds a grant at the city (or a region between it and the school) of the applicant."""
    path = application.institution.region.path
    return any(
        g.region_path and g.region_path.count("/") >= 2 and path.startswith(g.region_path)
        for g in user_scope(actor).grants_for("change")
    )


def guard_before_deadline(application, ctx) -> str | None:
    call = application.call
    if today() > call.apply_deadline:
        return _("The application deadline (%(d)s) has passed.") % {"d": call.apply_deadline.isoformat()}
    return None


def guard_eligible(application, ctx) -> str | None:
    problems = eligibility_problems(
        application.call,
        application.institution,
        {f: getattr(application, f) for f in awards.APPLICANT_FIELDS},
    )
    return "；".join(problems) or None


def values_by_code(application) -> dict[str, str]:
    """The application's form values by element code (stored by element id, so that the audit
    log shows no codes)."""
    version = application.call.programme_type.form_version
    if version is None:
        return {}
    codes = dict(version.elements.values_list("pk", "code"))
    return {codes[int(pk)]: text for pk, text in application.values.items() if int(pk) in codes}


def guard_form_complete(application, ctx) -> str | None:
    version = application.call.programme_type.form_version
    if version is None:
        return None
    failures = forms_engine.form_values_failures(version, values_by_code(application))
    if failures:
        return _("The application form is not complete: %(list)s") % {"list": "；".join(failures)}
    return None


def guard_attachments(application, ctx) -> str | None:
    have = set(application.attachments.values_list("kind", flat=True))
    missing = [a["name"] for a in application.call.attachments if a.get("required") and a["code"] not in have]
    if missing:
        return _("Required attachments are missing: %(list)s") % {"list": "、".join(missing)}
    return None


def submitted_data(application, ctx) -> dict:
    return {"submitted_at": timezone.now()}


# --- eligibility -----------------------------------------------------------------------------------


def awards_of(institution) -> set[str]:
    """Codes of the programmes whose awards (立项) the institution holds (``awards``)."""
    return awards.held_by_institution(institution)


def _kind_labels(kinds) -> list[str]:
    labels = dict(InstitutionKind.choices)
    return [str(labels.get(k, k)) for k in kinds]


def eligibility_problems(call: Call, institution, applicant: dict | None = None) -> list[str]:
    """Why the institution (or the major, student … applying through it) may not apply to the
    call (the call's rules, from the rule registry)."""
    ctx = {
        "awards": awards_of,
        "kind_labels": _kind_labels,
        "applicant": applicant or {},
        "applicant_awards": lambda: awards.held_by_applicant(institution, applicant),
        "student_registered": lambda student: awards.student_enrolled_at(student, institution),
    }
    problems = []
    for entry in call.eligibility:
        rule = ELIGIBILITY.get(entry.get("rule"))
        if rule is None:
            continue
        problem = rule.check(entry, institution, ctx)
        if problem:
            problems.append(f"{problem}（{rule.citation}）")
    return problems


# --- calls ------------------------------------------------------------------------------------------


def _require_province(actor) -> None:
    if not user_scope(actor).is_province:
        raise OutOfScope(_("Only the province may do this."))


@transaction.atomic
def call_create(
    *,
    actor,
    programme_type: ProgrammeType,
    code: str,
    name: str,
    year: int,
    total_quota: int,
    city_quotas: dict,
    opens_on: datetime.date,
    apply_deadline: datetime.date,
    recommend_deadline: datetime.date,
    eligibility: list | None = None,
    basis: str = "",
    reviewers_per_application: int = 3,
    blind_review: bool = True,
    avoid_same_city: bool = False,
    max_reviews_per_expert: int | None = None,
    budget_total: Decimal | None = None,
    is_demo: bool = False,
) -> Call:
    """A call copied from a programme type, with its year, quotas, eligibility and dates, the cap
    on an expert's reviews (none when ``None``) and the budget (none when ``None``)."""
    _require_province(actor)
    if not (opens_on <= apply_deadline <= recommend_deadline):
        raise ValidationError(_("A call opens, then closes for applications, then for recommendations."))
    if max_reviews_per_expert is not None and (
        isinstance(max_reviews_per_expert, bool)
        or not isinstance(max_reviews_per_expert, int)
        or max_reviews_per_expert < 1
    ):
        raise ValidationError(_("An expert reviews at least one application; leave blank for no cap."))
    if budget_total is not None:
        budget_total = decimal_clean(budget_total, label=_("The budget"), maximum=Decimal("9999999999.99"))
    for entry in eligibility or []:
        if entry.get("rule") not in ELIGIBILITY:
            raise ValidationError(_("Unknown eligibility rule “%(id)s”.") % {"id": entry.get("rule")})
    province = Region.objects.get(level=RegionLevel.PROVINCE, parent__isnull=True)
    call = model_create(
        actor=actor,
        instance=Call(
            programme_type=programme_type,
            region=province,
            code=code,
            name=name,
            year=year,
            basis=basis,
            total_quota=total_quota,
            eligibility=list(eligibility or []),
            opens_on=opens_on,
            apply_deadline=apply_deadline,
            recommend_deadline=recommend_deadline,
            reviewers_per_application=reviewers_per_application,
            blind_review=blind_review,
            avoid_same_city=avoid_same_city,
            max_reviews_per_expert=max_reviews_per_expert,
            budget_total=budget_total,
            is_demo=is_demo,
        ),
        event="call.opened",
    )
    for city, quota in city_quotas.items():
        if city.level != RegionLevel.CITY:
            raise ValidationError(_("A quota is given to a city."))
        CityQuota.objects.create(call=call, city=city, quota=int(quota))
    return call


def _set_stage(actor, call: Call, stage: str, **data) -> Call:
    call, _changed = model_update(
        actor=actor, instance=call, data={"stage": stage, **data}, event="call.stage"
    )
    return call


# --- applications ------------------------------------------------------------------------------------


@transaction.atomic
def application_create(
    *, actor, call: Call, institution, title: str, field: str, applicant: dict | None = None
) -> Application:
    """A draft application; ``applicant`` names who applies through the institution when the type's
    applicant kind is not the institution itself (``awards.applicant_clean``)."""
    if not (call.opens_on <= today() <= call.apply_deadline) or call.stage != CallStage.OPEN:
        raise ValidationError(_("This call is not open for applications."))
    applicant = awards.applicant_clean(
        kind=call.programme_type.applicant_kind, institution=institution, applicant=applicant or {}
    )
    problems = eligibility_problems(call, institution, applicant)
    if problems:
        raise ValidationError(problems)
    if (
        call.programme_type.applicant_kind == ApplicantKind.INSTITUTION
        and Application.objects.filter(call=call, institution=institution).exists()
    ):
        raise ValidationError(_("This institution has already applied to this call."))
    if (
        applicant.get("offering")
        and Application.objects.filter(call=call, offering=applicant["offering"]).exists()
    ):
        raise ValidationError(_("This offered major has already applied to this call."))
    return model_create(
        actor=actor,
        instance=Application(call=call, institution=institution, title=title, field=field, **applicant),
        event="application.saved",
    )


def _check_draft(application: Application) -> None:
    if application.status != S.DRAFT:
        raise ValidationError(
            _("This application is “%(state)s”; it can no longer be changed.")
            % {"state": application.get_status_display()}
        )


@transaction.atomic
def application_save(*, actor, application: Application, title: str, field: str, values: dict) -> Application:
    """Save a draft: the form's values are checked by the reporting form engine (errors keyed by
    element code); nothing is written unless all pass."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    ensure_in_scope(application, actor, "change")
    _check_draft(application)
    version = application.call.programme_type.form_version
    cleaned = {}
    if version is not None:
        ids = dict(version.elements.values_list("code", "pk"))
        cleaned = {
            str(ids[code]): text for code, text in forms_engine.form_values_clean(version, values).items()
        }
    application, _changed = model_update(
        actor=actor,
        instance=application,
        data={"title": title, "field": field, "values": cleaned},
        event="application.saved",
    )
    return application


@transaction.atomic
def attachment_add(*, actor, application: Application, kind: str, upload) -> Attachment:
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    ensure_in_scope(application, actor, "change")
    _check_draft(application)
    spec = next((a for a in application.call.attachments if a["code"] == kind), None)
    if spec is None:
        raise ValidationError({"kind": _("This call asks for no such attachment.")})
    accepted = files.validate_upload(
        upload,
        kinds={FILE_KINDS[k] for k in spec.get("kinds") or ["pdf"]},
        max_bytes=ATTACHMENT_MAX_BYTES,
        field="file",
    )
    attachment = Attachment(
        application=application,
        kind=kind,
        name=accepted.name,
        content_type=accepted.content_type,
        size=accepted.size,
    )
    attachment.file.save(accepted.name, upload, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=application,
        after={"attachment": accepted.name, "kind": kind},
        event="application.saved",
    )
    return attachment


def application_submit(*, actor, application: Application) -> Application:
    return fire(KEY, application, "submit", actor=actor)


# --- the city's recommendation ---------------------------------------------------------------------------


def quota_of(call: Call, city: Region) -> int:
    row = CityQuota.objects.filter(call=call, city=city).first()
    return row.quota if row else 0


RECOMMENDED_OR_LATER = [
    S.RECOMMENDED,
    S.SCREENED,
    S.SCREEN_FAILED,
    S.UNDER_REVIEW,
    S.SHORTLISTED,
    S.NOT_SELECTED,
    S.APPROVED,
]


@transaction.atomic
def city_recommend(*, actor, call: Call, ranking: list[Application]) -> int:
    """The city recommends these applications, in this order (ranks continue after those it has
    recommended already). The city's quota and the call's total are enforced under a lock on the
    call, so two cities recommending at the same moment never exceed the total."""
    if not ranking:
        raise ValidationError(_("Choose the applications to recommend, in order."))
    if not all(is_city_of(a, actor) for a in ranking):
        raise OutOfScope(_("A city recommends the applications of its own schools."))
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.stage != CallStage.OPEN:
        raise ValidationError(_("Recommendations for this call are closed."))
    if today() > call.recommend_deadline:
        raise ValidationError(
            _("The recommendation deadline (%(d)s) has passed.") % {"d": call.recommend_deadline.isoformat()}
        )
    cities = {city_of(a.institution) for a in ranking}
    if len(cities) != 1 or None in cities:
        raise ValidationError(_("A city recommends the applications of its own schools, one city at a time."))
    city = cities.pop()
    if any(a.call_id != call.pk for a in ranking):
        raise ValidationError(_("These applications belong to another call."))
    in_city = Application.objects.filter(call=call, institution__region__path__startswith=city.path)
    already = in_city.filter(status__in=RECOMMENDED_OR_LATER).count()
    quota = quota_of(call, city)
    if already + len(ranking) > quota:
        raise ValidationError(
            _("%(city)s may recommend %(quota)d applications; %(n)d are recommended already.")
            % {"city": city.name, "quota": quota, "n": already}
        )
    total = Application.objects.filter(call=call, status__in=RECOMMENDED_OR_LATER).count()
    if total + len(ranking) > call.total_quota:
        raise ValidationError(
            _("The call's total of %(quota)d recommendations would be exceeded (%(n)d made).")
            % {"quota": call.total_quota, "n": total}
        )
    for i, application in enumerate(ranking, start=already + 1):
        application = fire(KEY, application, "recommend", actor=actor)
        Application.objects.filter(pk=application.pk).update(city_rank=i)
    return len(ranking)


def city_decline(*, actor, application: Application, reason: str) -> Application:
    return fire(KEY, application, "decline", actor=actor, reason=reason)


def screen(*, actor, application: Application, passed: bool, reason: str = "") -> Application:
    return fire(KEY, application, "screen_pass" if passed else "screen_fail", actor=actor, reason=reason)


# --- the expert pool and 回避 --------------------------------------------------------------------------------


@transaction.atomic
def expert_create(
    *,
    actor,
    name: str,
    title: str,
    employer_name: str,
    city: Region,
    specialties: list[str],
    employer=None,
    user=None,
    former: list[tuple] = (),
    is_demo: bool = False,
) -> Expert:
    if not specialties:
        raise ValidationError({"specialties": _("Choose at least one 专业大类.")})
    expert = model_create(
        actor=actor,
        instance=Expert(
            name=name,
            title=title,
            employer=employer,
            employer_name=employer_name,
            city=city,
            specialties=sorted(set(specialties)),
            user=user,
            is_demo=is_demo,
        ),
        event="expert.saved",
    )
    for institution, start, end in former:
        row = FormerEmployment(expert=expert, institution=institution, start=start, end=end)
        row.full_clean()
        row.save()
    return expert


def conflicts(
    call: Call, application: Application, expert: Expert, *, on: datetime.date | None = None
) -> list[str]:
    """The hard 回避 reasons that keep the expert off the application (empty: none)."""
    years = int(rules.param("PROGRAMMES_AVOID_FORMER_EMPLOYER_YEARS"))
    since = _avoid_since(on or today())
    reasons = []
    if expert.employer_id and expert.employer_id == application.institution_id:
        reasons.append(_("works at the applicant institution"))
    if any(
        f.institution_id == application.institution_id and f.end >= since
        for f in expert.former_employers.all()
    ):
        reasons.append(_("worked at the applicant institution within %(n)d years") % {"n": years})
    if call.avoid_same_city and city_of(application.institution) == expert.city:
        reasons.append(_("is from the applicant's city"))
    return reasons


def _avoid_since(on: datetime.date) -> datetime.date:
    years = int(rules.param("PROGRAMMES_AVOID_FORMER_EMPLOYER_YEARS"))
    if on.month == 2 and on.day == 29:
        return on.replace(year=on.year - years, day=28)
    return on.replace(year=on.year - years)


def forbidden_pairs(
    call: Call, applications, experts, *, on: datetime.date | None = None
) -> dict[int, set[int]]:
    """The hard 回避 of every (application, expert) pair at once, as application → experts who
    withdraw — the same three rules as ``conflicts`` (tested against it pair by pair), read with a
    handful of queries instead of one walk per pair: experts by employer, by former employer
    within the rule's years, and by city when the call asks for it."""
    since = _avoid_since(on or today())
    expert_ids = {e.pk for e in experts}
    by_employer: dict[int, set[int]] = {}
    for e in experts:
        if e.employer_id:
            by_employer.setdefault(e.employer_id, set()).add(e.pk)
    institutions = {a.institution_id for a in applications}
    by_former: dict[int, set[int]] = {}
    for expert_id, institution_id in FormerEmployment.objects.filter(
        institution_id__in=institutions, end__gte=since, expert_id__in=expert_ids
    ).values_list("expert_id", "institution_id"):
        by_former.setdefault(institution_id, set()).add(expert_id)
    by_city: dict[int, set[int]] = {}
    city_of_path: dict[str, int] = {}
    if call.avoid_same_city:
        for e in experts:
            by_city.setdefault(e.city_id, set()).add(e.pk)
        city_of_path = dict(Region.objects.filter(level=RegionLevel.CITY).values_list("path", "pk"))
    forbidden: dict[int, set[int]] = {}
    for a in applications:
        out = by_employer.get(a.institution_id, set()) | by_former.get(a.institution_id, set())
        if call.avoid_same_city:
            path = a.institution.region.path
            city = next((pk for p, pk in city_of_path.items() if path.startswith(p)), None)
            out = out | by_city.get(city, set())
        forbidden[a.pk] = out
    return forbidden


def _assignment_input(call: Call, applications, experts):
    forbidden = forbidden_pairs(call, applications, experts)
    app_field = {a.pk: a.field for a in applications}
    specialties = {e.pk: list(e.specialties) for e in experts}
    return forbidden, app_field, specialties


def assignment_compare(*, call: Call, applications, experts) -> tuple[assignment.Result, dict]:
    """Solve the call's assignment (OR-tools min-cost flow) and the greedy baseline on the same
    input; the solution and both sets of figures (no writes)."""
    forbidden, app_field, specialties = _assignment_input(call, applications, experts)
    kw = {
        "n": call.reviewers_per_application,
        "forbidden": forbidden,
        "applications": [a.pk for a in applications],
        "experts": [e.pk for e in experts],
        "app_field": app_field,
        "specialties": specialties,
        "max_load": call.max_reviews_per_expert,
    }
    result = assignment.solve(**kw)
    baseline = assignment.greedy(**kw)
    pool = kw["experts"]
    return result, {
        "solver": result.figures(pool, app_field, specialties),
        "greedy": baseline.figures(pool, app_field, specialties),
        "pairs": sum(len(v) for v in result.pairs.values()),
    }


@transaction.atomic
def reviewers_assign(*, actor, call: Call) -> dict:
    """Assign ``reviewers_per_application`` experts to every screened application of the call by
    the exact min-cost flow of ``assignment`` (balanced load, specialty match, hard 回避, at most
    ``max_reviews_per_expert`` each), send them to review, and return the solution's figures next
    to the greedy baseline's. The reviews and the applications' move to review are written in bulk
    (one audit entry each, as ``fire`` would write): a call of 2,000 applications is one
    transaction of a few statements rather than 8,000 single writes."""
    _require_province(actor)
    call = Call.objects.select_for_update(of=("self",)).select_related("region").get(pk=call.pk)
    if call.stage != CallStage.OPEN:
        raise ValidationError(_("Reviewers are assigned once, when the call closes."))
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .filter(call=call, status=S.SCREENED)
        .select_related("institution__region")
        .order_by("pk")
    )
    if not applications:
        raise ValidationError(_("No application has passed formal screening yet."))
    for application in applications:
        application.call = call  # the reviews' audit entries file under the call's region
    experts = list(Expert.objects.filter(active=True).select_related("city").order_by("pk"))
    result, report = assignment_compare(call=call, applications=applications, experts=experts)
    if result.short:
        short = set(result.short)
        names = "、".join(a.title for a in applications if a.pk in short)
        raise ValidationError(
            _("Not enough experts without a conflict for: %(list)s. Add experts to the pool.")
            % {"list": names}
        )
    by_id = {e.pk: e for e in experts}
    reviews = [
        Review(application=application, expert=by_id[expert_id], user=by_id[expert_id].user)
        for application in applications
        for expert_id in result.pairs[application.pk]
    ]
    Review.objects.bulk_create(reviews, batch_size=2000)
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        items=[(r, None, snapshot(r)) for r in reviews],
        event="review.assigned",
    )
    Application.objects.filter(pk__in=[a.pk for a in applications]).update(status=S.UNDER_REVIEW)
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=[(a, {"status": S.SCREENED}, {"status": S.UNDER_REVIEW}) for a in applications],
        event="application.review_started",
    )
    _set_stage(actor, call, CallStage.REVIEWING)
    return report


# --- reviews ----------------------------------------------------------------------------------------------


@transaction.atomic
def review_submit(*, actor, review: Review, scores: dict, comments: dict) -> Review:
    """An expert's scores, one per rubric item within its highest score, with comments."""
    review = (
        Review.objects.select_for_update(of=("self",)).select_related("application__call").get(pk=review.pk)
    )
    if review.user_id is None or review.user_id != actor.pk:
        raise OutOfScope(_("Only the assigned expert scores this application."))
    if review.status != ReviewStatus.ASSIGNED or review.application.status != S.UNDER_REVIEW:
        raise ValidationError(_("These scores have been submitted already."))
    cleaned, total = rubric_scores_clean(review.application.call.rubric, scores)
    # Stored by the item's place in the rubric (1, 2, …), so the audit log shows no codes.
    place = {item["code"]: str(n) for n, item in enumerate(review.application.call.rubric, start=1)}
    comments = {place[k]: str(v)[:1000] for k, v in comments.items() if k in cleaned and str(v).strip()}
    review, _changed = model_update(
        actor=actor,
        instance=review,
        data={
            "scores": {place[k]: v for k, v in cleaned.items()},
            "comments": comments,
            "total": total,
            "status": ReviewStatus.SUBMITTED,
            "submitted_at": timezone.now(),
        },
        event="review.submitted",
    )
    application = review.application
    done = application.reviews.filter(status=ReviewStatus.SUBMITTED)
    if not application.reviews.exclude(status=ReviewStatus.SUBMITTED).exists():
        totals = [r.total for r in done]
        Application.objects.filter(pk=application.pk).update(
            score=(sum(totals) / len(totals)).quantize(Decimal("0.01"))
        )
    return review


def ranking(call: Call, applications=None) -> list[Application]:
    """The reviewed applications in order. Ties are broken by rule, in turn: the higher average
    score; the higher average on the rubric's items in their order (the first item weighs most);
    the better city ranking; the earlier submission."""
    applications = (
        list(applications)
        if applications is not None
        else list(
            Application.objects.filter(call=call, score__isnull=False)
            .prefetch_related("reviews")
            .select_related("institution")
        )
    )
    items = [str(n) for n in range(1, len(call.rubric) + 1)]

    def item_means(app):
        reviews = [r for r in app.reviews.all() if r.status == ReviewStatus.SUBMITTED]
        return tuple(
            -sum(Decimal(r.scores.get(code, "0")) for r in reviews) / max(len(reviews), 1) for code in items
        )

    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return sorted(
        applications,
        key=lambda a: (-(a.score or 0), item_means(a), a.city_rank or 10**6, a.submitted_at or far, a.pk),
    )


def ranking_rows(applications):
    """The applications as the ranking reads them: without their form values, with their reviews
    (only the columns the tie rule, the outlier flag and the page use) and the reviewers' names."""
    from django.db.models import Prefetch

    reviews = Review.objects.select_related("expert").only(
        "id", "application_id", "expert_id", "status", "scores", "total", "expert__id", "expert__name"
    )
    return (
        applications.select_related(None)
        .select_related("institution")
        .defer("values")
        .prefetch_related(Prefetch("reviews", queryset=reviews))
    )


def outliers(application: Application) -> set[int]:
    """Reviews whose total lies more than the rule's points from the mean of the other reviews."""
    points = Decimal(str(rules.param("PROGRAMMES_OUTLIER_POINTS")))
    reviews = [r for r in application.reviews.all() if r.total is not None]
    flagged = set()
    for r in reviews:
        others = [o.total for o in reviews if o.pk != r.pk]
        if others and abs(r.total - sum(others) / len(others)) > points:
            flagged.add(r.pk)
    return flagged


@transaction.atomic
def decide(*, actor, call: Call) -> int:
    """The decision list: the best-ranked applications up to the call's total quota go on it, the
    rest are not selected. Every review must be in."""
    _require_province(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.stage != CallStage.REVIEWING:
        raise ValidationError(_("The decision list is drawn up once the review is under way."))
    pending = Review.objects.filter(application__call=call).exclude(status=ReviewStatus.SUBMITTED).count()
    if pending:
        raise ValidationError(_("%(n)d reviews are not in yet.") % {"n": pending})
    ordered = ranking(
        call, Application.objects.filter(call=call, status=S.UNDER_REVIEW).prefetch_related("reviews")
    )
    for i, application in enumerate(ordered, start=1):
        Application.objects.filter(pk=application.pk).update(rank=i)
        fire(KEY, application, "shortlist" if i <= call.total_quota else "not_select", actor=actor)
    _set_stage(actor, call, CallStage.DECIDED)
    return min(len(ordered), call.total_quota)


@transaction.atomic
def publicise(*, actor, call: Call, start: datetime.date | None = None) -> Call:
    """Publish the decision list for objections (公示) for the rule's number of working days."""
    _require_province(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.stage != CallStage.DECIDED:
        raise ValidationError(_("Only a final decision list is published."))
    start = start or today()
    days = int(rules.param("PROGRAMMES_PUBLICITY_WORKING_DAYS"))
    end = add_working_days(start, days - 1)
    return _set_stage(actor, call, CallStage.PUBLICISED, publicity_start=start, publicity_end=end)


@transaction.atomic
def approve(*, actor, call: Call, funding: dict | None = None) -> int:
    """立项: after the objection window has closed, every application on the list is approved
    (with its funding, 万元, where given). The award then counts as eligibility in later calls."""
    _require_province(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.stage != CallStage.PUBLICISED:
        raise ValidationError(_("The decision list has not been published for objections."))
    if today() <= call.publicity_end:
        raise ValidationError(
            _("Objections may be raised until %(d)s; approve after that.")
            % {"d": call.publicity_end.isoformat()}
        )
    open_objections = objections_unanswered(call)
    if open_objections:
        raise ValidationError(
            _("%(n)d objections to the list have not been answered; answer them before approval.")
            % {"n": open_objections}
        )
    if funding:
        funding_set(
            actor=actor,
            call=call,
            funding={
                pk: value if isinstance(value, tuple) else (value, FundingSource.PROVINCE)
                for pk, value in funding.items()
            },
        )
    approved = 0
    for application in Application.objects.filter(call=call, status=S.SHORTLISTED):
        fire(KEY, application, "approve", actor=actor)
        approved += 1
    _set_stage(actor, call, CallStage.APPROVED)
    return approved


# --- call settings and funding (立项) -----------------------------------------------------------------------

FUNDING_MAX = Decimal("99999999.99")  # Application.funding: 10 digits, 2 after the point
FUNDING_STAGES = (CallStage.DECIDED, CallStage.PUBLICISED)


def decimal_clean(raw, *, label: str, maximum: Decimal = FUNDING_MAX) -> Decimal | None:
    """A typed amount in 万元: blank is none; a number with at most two decimals, not negative."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "").replace("，", ""))
    except ArithmeticError:
        raise ValidationError(_("%(label)s: write a number, e.g. 120 or 85.5.") % {"label": label}) from None
    if not value.is_finite():
        raise ValidationError(_("%(label)s: write a number, e.g. 120 or 85.5.") % {"label": label})
    if value < 0:
        raise ValidationError(_("%(label)s may not be negative.") % {"label": label})
    if value > maximum:
        raise ValidationError(_("%(label)s is at most %(max)s.") % {"label": label, "max": maximum})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(_("%(label)s: at most two decimal places.") % {"label": label})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def call_settings_update(
    *, actor, call: Call, max_reviews_per_expert: int | None, budget_total: Decimal | None
) -> Call:
    """The province sets how many applications one expert reviews at most (before reviewers are
    assigned; blank: no cap) and the call's budget (before 立项; blank: none; never below the
    funding already on the list)."""
    _require_province(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    errors: dict[str, list[str]] = {}
    if max_reviews_per_expert is not None and max_reviews_per_expert < 1:
        errors["max_reviews_per_expert"] = [
            _("An expert reviews at least one application; leave blank for no cap.")
        ]
    elif max_reviews_per_expert != call.max_reviews_per_expert and call.stage != CallStage.OPEN:
        errors["max_reviews_per_expert"] = [_("Reviewers have been assigned; the cap no longer applies.")]
    if budget_total is not None and budget_total < 0:
        errors["budget_total"] = [_("The budget may not be negative.")]
    elif budget_total != call.budget_total:
        if call.stage == CallStage.APPROVED:
            errors["budget_total"] = [_("The call has been approved; its budget is closed.")]
        else:
            problem = funding_over_budget(funding_total(call), budget_total)
            if problem:
                errors["budget_total"] = [problem]
    if errors:
        raise ValidationError(errors)
    call, _changed = model_update(
        actor=actor,
        instance=call,
        data={"max_reviews_per_expert": max_reviews_per_expert, "budget_total": budget_total},
        event="call.settings",
    )
    return call


def funding_total(call: Call, *, without: set[int] = frozenset()) -> Decimal:
    """The funding of the call's decision list (on the list or approved), 万元."""
    total = (
        Application.objects.filter(call=call, status__in=(S.SHORTLISTED, S.APPROVED), funding__isnull=False)
        .exclude(pk__in=without)
        .aggregate(total=Sum("funding"))["total"]
    )
    return total or Decimal("0")


@transaction.atomic
def funding_set(*, actor, call: Call, funding: dict) -> int:
    """The province records the funding of applications on the decision list: ``funding`` maps an
    application id to (amount in 万元 or ``None``, source). Only between the decision and 立项; an
    amount needs its source; the list's total stays within the call's budget. Every row is
    checked first and nothing is written when one is refused. Returns the number changed."""
    _require_province(actor)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.stage not in FUNDING_STAGES:
        raise ValidationError(_("Funding is set on the decision list, after the decision and before 立项."))
    apps = {
        a.pk: a
        for a in Application.objects.select_for_update(of=("self",))
        .filter(call=call, pk__in=list(funding))
        .select_related("institution")
    }
    problems: list[str] = []
    cleaned: dict[int, tuple[Decimal | None, str]] = {}
    for pk, (amount, source) in funding.items():
        application = apps.get(pk)
        if application is None or application.status != S.SHORTLISTED:
            problems.append(_("Application %(pk)s is not on this decision list.") % {"pk": pk})
            continue
        label = application.title
        try:
            amount = amount if isinstance(amount, Decimal) else decimal_clean(amount, label=label)
            if amount is not None:
                amount = decimal_clean(amount, label=label)
        except ValidationError as exc:
            problems.extend(exc.messages)
            continue
        source = (source or "").strip()
        if source and source not in FundingSource.values:
            problems.append(_("%(label)s: choose a source of funding from the list.") % {"label": label})
            continue
        if amount is not None and not source:
            problems.append(_("%(label)s: say where the funding comes from.") % {"label": label})
            continue
        cleaned[pk] = (amount, source if amount is not None else "")
    if problems:
        raise ValidationError(problems)
    total = funding_total(call, without=set(cleaned)) + sum(
        (amount for amount, _source in cleaned.values() if amount is not None), Decimal("0")
    )
    problem = funding_over_budget(total, call.budget_total)
    if problem:
        raise ValidationError(problem)
    changed = 0
    for pk, (amount, source) in cleaned.items():
        _app, did = model_update(
            actor=actor,
            instance=apps[pk],
            data={"funding": amount, "funding_source": source},
            event="application.funding",
        )
        changed += did
    return changed


def counts_by_status(call: Call) -> dict[str, int]:
    return dict(
        Application.objects.filter(call=call)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )


# --- blind review: what a blind reviewer sees -------------------------------------------------------------

BLIND_MASK = "〔申报单位〕"
# Endings of school names; what stands before them is the school's own short name (商业 in
# 山东商业职业技术学院), kept only when long enough not to mask ordinary words.
NAME_ENDINGS = (
    "职业技术学院",
    "职业学院",
    "高等专科学校",
    "职业技术学校",
    "职业中等专业学校",
    "中等专业学校",
    "中等职业学校",
    "职业学校",
    "职业中专",
    "技师学院",
    "技工学校",
    "学院",
    "学校",
)
SHORT_FORMS = ("职院", "职专", "职校", "职业", "技院")


def institution_terms(institution) -> list[str]:
    """The ways an application may name its school: the full name, the name without its province
    or city/county prefix, the school's own part with the usual short endings (山东商职、山东商业职院),
    the institution code and the website's host; longest first, at least four characters except
    the code."""
    name = institution.name.strip()
    prefixes = ["山东省", "山东"]
    region = institution.region
    while region is not None:
        prefixes.append(region.name)
        for ending in ("市", "区", "县"):
            if region.name.endswith(ending) and len(region.name) > 2:
                prefixes.append(region.name[: -len(ending)])
        region = region.parent
    stems = {name}
    for prefix in prefixes:
        for stem in list(stems):
            if prefix and stem.startswith(prefix) and len(stem) > len(prefix):
                stems.add(stem[len(prefix) :])
    terms = set(stems)
    for stem in stems:
        for ending in NAME_ENDINGS:
            if stem.endswith(ending) and len(stem) > len(ending):
                core = stem[: -len(ending)]
                terms.add(core)
                terms.update(core + short for short in SHORT_FORMS)
                if len(core) >= 3:
                    terms.add(core[:3] + "职")  # 山东商业 → 山东商职
                break
    terms = {t for t in terms if len(t) >= 4}
    if institution.code:
        terms.add(str(institution.code))
    if institution.website:
        host = institution.website.split("//", 1)[-1].split("/", 1)[0]
        if host:
            terms.add(host)
    return sorted(terms, key=lambda t: (-len(t), t))


def blind_mask(text: str, terms: list[str]) -> str:
    """``text`` with every term replaced by the mask (longest first, so a name's parts go with it)."""
    if not text or not terms:
        return text or ""
    import re

    pattern = re.compile("|".join(re.escape(t) for t in terms), flags=re.IGNORECASE)
    return pattern.sub(BLIND_MASK, text)


def blind_application(application: Application) -> dict:
    """What a blind reviewer is shown of an application: its title, its form values (by element
    code) and its attachments' names with the applicant's names, short names and codes masked."""
    terms = institution_terms(application.institution)
    return {
        "title": blind_mask(application.title, terms),
        "values": {code: blind_mask(text, terms) for code, text in values_by_code(application).items()},
        "attachments": [
            {"name": blind_mask(a.name, terms), "size": a.size, "kind": a.kind}
            for a in application.attachments.all()
        ],
    }


# --- objections during the public notice (公示) -------------------------------------------------------------


def objection_window_open(call: Call, on: datetime.date | None = None) -> bool:
    on = on or today()
    return (
        call.stage == CallStage.PUBLICISED
        and call.publicity_start is not None
        and call.publicity_start <= on <= call.publicity_end
    )


@transaction.atomic
def objection_lodge(
    *, call: Call, content: str, contact: str, name: str = "", application: Application | None = None
) -> Objection:
    """Anyone lodges an objection to a published decision list, within its dated window (no
    account: the public page checks the CAPTCHA and the per-address limit first). Audited with
    the request's address; the objector's name and contact are not put in the audit entry."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not objection_window_open(call):
        raise ValidationError(_("Objections to this list are not being accepted now."))
    content = normalize_text(content or "").strip()
    contact = normalize_text(contact or "").strip()
    name = normalize_text(name or "").strip()
    errors: dict[str, list[str]] = {}
    if not content:
        errors["content"] = [_("Say what the objection is and on what facts it rests.")]
    elif len(content) > 2000:
        errors["content"] = [_("At most 2,000 characters.")]
    if not contact:
        errors["contact"] = [_("Give a telephone number or an address where the answer can reach you.")]
    elif len(contact) > 100:
        errors["contact"] = [_("At most 100 characters.")]
    if len(name) > 50:
        errors["name"] = [_("At most 50 characters.")]
    if application is not None and (
        application.call_id != call.pk or application.status not in (S.SHORTLISTED, S.APPROVED)
    ):
        errors["application"] = [_("Choose an application on this list.")]
    for key, value in (("content", content), ("contact", contact), ("name", name)):
        try:
            validate_plain_text(value)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    objection = Objection(call=call, application=application, content=content, contact=contact, name=name)
    objection.full_clean()
    objection.save()
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        instance=objection,
        after={"call": call.pk, "application": application.pk if application else None, "content": content},
        event="objection.lodged",
    )
    return objection


@transaction.atomic
def objection_answer(*, actor, objection: Objection, finding: str, answer: str) -> Objection:
    """The province records what its investigation found (kept internal) and the answer published
    with the notice. An answer may be corrected while the call is not yet approved."""
    _require_province(actor)
    objection = Objection.objects.select_for_update(of=("self",)).select_related("call").get(pk=objection.pk)
    ensure_in_scope(objection, actor, "change")
    if objection.call.stage != CallStage.PUBLICISED:
        raise ValidationError(_("The list has been approved; its objections are closed."))
    finding, answer = normalize_text(finding or "").strip(), normalize_text(answer or "").strip()
    errors: dict[str, list[str]] = {}
    if not finding:
        errors["finding"] = [_("Record what the investigation found.")]
    if not answer:
        errors["answer"] = [_("Write the answer to be published.")]
    for key, value in (("finding", finding), ("answer", answer)):
        if len(value) > 2000:
            errors.setdefault(key, []).append(_("At most 2,000 characters."))
        try:
            validate_plain_text(value)
        except ValidationError as exc:
            errors.setdefault(key, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    objection, _changed = model_update(
        actor=actor,
        instance=objection,
        data={
            "finding": finding,
            "answer": answer,
            "status": ObjectionStatus.ANSWERED,
            "answered_at": timezone.now(),
        },
        event="objection.answered",
    )
    return objection


def objections_unanswered(call: Call) -> int:
    return Objection.objects.filter(call=call, status=ObjectionStatus.OPEN).count()
