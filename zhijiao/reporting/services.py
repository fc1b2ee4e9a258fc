"""The writers of 数据报送: opening a submission, saving its values (typed, bounded, optimistic
locking), the rules checked before it is submitted, and the rollups written on approval."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import audit_record, snapshot
from zhijiao.core.models import AuditAction
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import ensure_in_scope, model_create

from . import expressions
from .choices import EDITABLE, NUMERIC_TYPES, REFERENCE_TYPES, SubmissionStatus, ValueType
from .models import Aggregate, DataElement, DataValue, Period, Submission


def may_report(institution, data_set) -> bool:
    """Whether the school reports the data set (its kind, level, ownership and city against the
    definition's ``reporters``; see ``reporting.reporters``)."""
    from .reporters import reports

    if data_set.reporter_kinds and institution.kind not in data_set.reporter_kinds:
        return False
    return reports(institution, data_set.reporters)


@transaction.atomic
def submission_open(*, actor, institution, period: Period) -> Submission:
    """The school's submission for the period (created on first use, pinned to the data set's
    current version, which from then on is in use and never changes)."""
    existing = Submission.objects.filter(institution=institution, period=period).first()
    if existing is not None:
        ensure_in_scope(existing, actor, "view")
        return existing
    if not may_report(institution, period.data_set):
        raise ValidationError(_("This school does not report this data set."))
    version = period.data_set.current_version()
    if version is None:
        raise ValidationError(_("This data set has no definition yet."))
    submission = model_create(
        actor=actor, instance=Submission(institution=institution, period=period, version=version)
    )
    if not version.in_use:
        type(version).objects.filter(pk=version.pk).update(in_use=True)
    from .services_prefill import submission_prefill

    if submission_prefill(actor=actor, submission=submission):
        submission.refresh_from_db()
    return submission


def clean_value(element: DataElement, raw) -> tuple[str, Decimal | None]:
    """``(value, number)`` of a raw entry, or a ValidationError with the Chinese reason."""
    text = "" if raw is None else str(raw).strip()
    if text == "":
        if element.required:
            raise ValidationError(_("This value is required."))
        return "", None
    vtype = element.value_type
    if vtype in NUMERIC_TYPES:
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not number.is_finite():
            raise ValidationError(_("Enter a number."))
        if vtype == ValueType.INTEGER and number != number.to_integral_value():
            raise ValidationError(_("Enter a whole number."))
        if vtype == ValueType.PERCENTAGE and not (0 <= number <= 100):
            raise ValidationError(_("A percentage lies between 0 and 100."))
        if vtype == ValueType.MONEY and number.as_tuple().exponent < -2:
            raise ValidationError(_("An amount of money has at most two decimals."))
        if element.min_value is not None and number < element.min_value:
            raise ValidationError(
                _("The value is below the minimum %(min)s.") % {"min": element.min_value.normalize()}
            )
        if element.max_value is not None and number > element.max_value:
            raise ValidationError(
                _("The value is above the maximum %(max)s.") % {"max": element.max_value.normalize()}
            )
        return format(number.normalize(), "f"), number
    if vtype in REFERENCE_TYPES:
        from .validation import resolve_reference

        return resolve_reference(vtype, text), Decimal(1)
    if vtype == ValueType.FILE:
        raise ValidationError(_("A file is uploaded on the web form, not typed."))
    if vtype == ValueType.CHOICE:
        if text not in {c["code"] for c in element.choices}:
            raise ValidationError(_("Choose one of the listed options."))
    elif vtype == ValueType.DATE:
        try:
            datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    elif len(text) > 1000:
        raise ValidationError(_("The text is longer than 1000 characters."))
    return text, None


def _value_model(submission):
    """The model of the submission's values and the field naming the submission: a school's
    ``DataValue``, or a city's own return's ``CityDataValue`` (``reporters.by_city``)."""
    from .models import CityDataValue

    if isinstance(submission, Submission):
        return DataValue, "submission"
    return CityDataValue, "city_submission"


def _check_editable(submission) -> None:
    if submission.status not in EDITABLE:
        raise ValidationError(
            _("This submission is “%(state)s”; its values can no longer be changed.")
            % {"state": submission.get_status_display()}
        )
    from .services_deadline import entry_window_problem

    problem = entry_window_problem(submission)
    if problem:
        raise ValidationError(problem)


@transaction.atomic
def submission_save_values(
    *, actor, submission, values: dict, revision: int, rows: dict | None = None, force=False
):
    """Save a draft: ``values`` maps ``(element code, cell)`` to the raw entry. Every field is
    checked first (errors keyed ``element__cell``); nothing is written unless all pass. A save
    made on an older ``revision`` than the stored one is refused and says what changed since.
    ``submission`` is a school's ``Submission`` or a city's own return (``CitySubmission`` of a
    data set the cities fill).

    ``rows`` maps a row-list section's code to its rows ``[(row key, {column: raw})]`` in order
    (``reporting.rows``): they are checked row by row with the values, saved with them, and the
    elements they derive are computed from them (a value posted for one is refused). ``force``
    (the graduates' prefill, which has added rows already) saves even if nothing else changed."""
    from . import services_rows

    model = type(submission)
    value_model, owner = _value_model(submission)
    submission = model.objects.select_for_update(of=("self",)).get(pk=submission.pk)
    if submission.version is None:
        raise ValidationError(_("This return has no form to fill."))
    ensure_in_scope(submission, actor, "change")
    _check_editable(submission)
    if revision != submission.revision:
        changed = (
            submission.values.select_related("element")
            .filter(element__code__in=[code for code, _cell in values])
            .values_list("element__name", flat=True)
            .distinct()
        )
        raise ValidationError(
            _(
                "Someone saved this form after you opened it (their save: %(n)d); reload it. Their "
                "values: %(names)s."
            )
            % {"n": submission.revision, "names": "、".join(sorted(set(changed))) or "—"}
        )
    elements = {e.code: e for e in submission.version.elements.prefetch_related("categories")}
    # Each element's cells once, not once per posted value (a 200-element form posts ~1,200).
    cells = {code: {c for c, _label in e.cells()} for code, e in elements.items()}
    plan, errors, values = services_rows.prepare(submission, submission.version, rows, values, elements)
    cleaned = []
    for (code, cell), raw in values.items():
        element = elements.get(code)
        key = f"{code}__{cell}" if cell else code
        if element is None or cell not in cells[code]:
            errors[key] = [_("No such field in this form.")]
            continue
        try:
            cleaned.append((element, cell, *clean_value(element, raw)))
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    existing = {(v.element_id, v.cell): v for v in submission.values.all()}
    before = {f"{v.element_id}:{v.cell}": v.value for v in existing.values()}
    new, changed_rows = [], []
    for element, cell, text, number in cleaned:
        row = existing.get((element.pk, cell))
        if row is None:
            if text != "":
                new.append(
                    value_model(**{owner: submission}, element=element, cell=cell, value=text, number=number)
                )
        elif row.value != text:
            row.value, row.number = text, number
            changed_rows.append(row)
    rows_before = services_rows.snapshot(submission) if plan.sections else None
    rows_changed = services_rows.write(submission, plan) if plan.sections else False
    if not new and not changed_rows and not rows_changed and not force:
        # Nothing changed: no new revision (a template downloaded before stays current), no audit entry.
        return submission
    value_model.objects.bulk_create(new)
    value_model.objects.bulk_update(changed_rows, ["value", "number"])
    model.objects.filter(pk=submission.pk).update(revision=F("revision") + 1, updated_at=timezone.now())
    submission.refresh_from_db()
    after = dict(before)
    for element, cell, text, _number in cleaned:
        after[f"{element.pk}:{cell}"] = text
    before_entry, after_entry = {"values": before}, {"values": after}
    if plan.sections:
        # The rows by key without names (the diff since a return reads them back).
        after_rows = services_rows.snapshot(submission)
        before_entry["rows"] = {code: rows_before.get(code, {}) for code in plan.sections}
        after_entry["rows"] = {code: after_rows.get(code, {}) for code in plan.sections}
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=submission,
        before=before_entry,
        after=after_entry,
        event="submission.saved",
    )
    return submission


def element_totals(submission: Submission) -> dict[str, Decimal]:
    """Each numeric element's total over its cells (what rule expressions read)."""
    totals: dict[str, Decimal] = {}
    for code, number in submission.values.filter(number__isnull=False).values_list("element__code", "number"):
        totals[code] = totals.get(code, Decimal(0)) + number
    return totals


def rule_failures(submission: Submission) -> list[str]:
    """The messages of the data set's validation rules that do not hold (a rule reading a value
    that is missing is skipped), and of required elements left empty."""
    values = element_totals(submission)
    failures = [
        f"{rule.message}（{rule.expression}）"
        for rule in submission.version.rules.all()
        if expressions.holds(rule.expression, values) is False
    ]
    filled = set(submission.values.values_list("element_id", flat=True))
    failures += [
        _("“%(name)s” is required.") % {"name": e.name}
        for e in submission.version.elements.filter(required=True)
        if e.pk not in filled
    ]
    return failures


def submission_valid(submission, ctx) -> str | None:
    """Guard of ``submit``: every validation rule holds."""
    from .services_deadline import entry_window_problem

    problem = entry_window_problem(submission)
    if problem:
        return problem
    failures = rule_failures(submission)
    if failures:
        return _("The form does not pass its checks: %(list)s") % {"list": "；".join(failures)}
    return None


def submitted_data(submission, ctx) -> dict:
    return {"submitted_at": timezone.now()}


def is_province(submission, actor) -> bool:
    return user_scope(actor).is_province


# --- rollups -----------------------------------------------------------------------------------


def _regions_of(institution):
    region = institution.region
    while region is not None:
        yield region
        region = region.parent


def reporter_regions(submission) -> list:
    """The regions whose rollups a submission's values enter: its school's region and every one
    above, or for a city's own return the city and the province."""
    region = submission.institution.region if isinstance(submission, Submission) else submission.city
    out = []
    while region is not None:
        out.append(region)
        region = region.parent
    return out


def aggregates_apply(submission: Submission, sign: int) -> None:
    """Add (``sign`` 1) or take back (-1) the submission's numeric values in the rollups of its
    school's region and every region above — one statement for all of them
    (``analytics.rollup_write``)."""
    from .analytics import rollup_write

    values = list(
        submission.values.filter(number__isnull=False).values_list("element__code", "cell", "number")
    )
    regions = [r.pk for r in reporter_regions(submission)]
    rows = [
        (region, submission.period_id, code, cell, number)
        for region in regions
        for code, cell, number in values
    ]
    rollup_write(Aggregate, ["region", "period", "element_code", "cell"], rows, sign)
    # A cell no school reports any more is not a zero: remove emptied rows.
    if sign < 0:
        Aggregate.objects.filter(region_id__in=regions, period=submission.period, count=0).delete()


def submission_approved(submission, request, actor, reason) -> dict:
    """Outcome of the chain's last approval: the values enter the rollups — at once, or, inside a
    bulk decision (``submissions_decide``), together with the others' when all are decided
    (``services_bulk``)."""
    from . import services_bulk

    if not services_bulk.defer(submission):
        aggregates_apply(submission, 1)
        _analytics_apply(submission, 1)
    return {"approved_at": timezone.now()}


def reopen_data(submission, ctx) -> dict:
    """Before ``reopen``: remember whether the values were approved (in the rollups) — a form
    closed at the deadline never was."""
    ctx["was_approved"] = submission.status != SubmissionStatus.CLOSED
    return {}


def submission_reopened(submission, actor, ctx) -> None:
    """Effect of ``reopen`` (province only): approved values leave the rollups until approved
    again; a form closed at the deadline is open for entry again for this one school."""
    if ctx.get("was_approved", True):
        aggregates_apply(submission, -1)
        _analytics_apply(submission, -1)


def _analytics_apply(submission, sign: int) -> None:
    """The analytics facts move with the rollups, and the apps reading them are told."""
    from . import analytics

    analytics.facts_apply(submission, sign)
    analytics.notify_changed(submission)


# --- the city's and the province's decisions (through the approval chain) ----------------------


def _open_requests(submissions) -> dict:
    """The open approval request of each submission (the newest), in one query."""
    from zhijiao.workflows.choices import RequestStatus
    from zhijiao.workflows.models import ApprovalRequest

    found = {}
    for request in ApprovalRequest.objects.filter(
        kind="reporting.submission",
        object_id__in=[s.pk for s in submissions],
        status=RequestStatus.IN_REVIEW,
    ).order_by("id"):
        found[request.object_id] = request
    return found


def _refusal(submission, exc) -> str:
    if isinstance(exc, ValidationError):
        return f"{submission.institution}：{'；'.join(exc.messages)}"
    refused = _("You may not decide this step.")
    return f"{submission.institution}：{refused}"


def submissions_decide(*, actor, submissions, decision: str, reason: str = "") -> tuple[int, list[str]]:
    """Approve or return (with a reason) each submission at its current approval step — the
    worklist's bulk action. Returns (done, errors): a refused decision (not the actor's step,
    already decided) is reported with its reason and changes nothing; the others go on.

    Approvals are decided together (issue 14): everything is checked first, the bad ones refused
    with their reasons, then the good ones written together — the approval steps, events and
    requests set-based (``workflows.services.requests_approve``), the submissions' state and their
    typed audit events in one update and one bulk audit write (``core.lifecycle.apply_outcomes``),
    and the values of those whose last step this was enter the rollups in one statement at the
    end (``services_bulk``), all in one transaction. Should an approval outcome refuse one of
    them after all, the batch is undone and decided one by one instead. Returns decide one by
    one, each in its own savepoint."""
    if decision not in ("approve", "return"):
        raise ValueError(decision)
    if decision == "return" and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the submissions are returned.")})
    if decision == "approve":
        try:
            return _submissions_approve(actor, submissions, reason)
        except (ValidationError, PermissionDenied):
            pass  # an outcome refused one of them: undone, decided one by one below
    return _submissions_decide_each(actor, submissions, decision, reason)


def _submissions_approve(actor, submissions, reason: str) -> tuple[int, list[str]]:
    from zhijiao.workflows import services as wf

    from . import services_bulk

    requests = _open_requests(submissions)
    done, errors = 0, []
    with transaction.atomic():
        with services_bulk.deferred_rollups() as noted:
            _approved, refused = wf.requests_approve(
                actor=actor,
                requests=[requests[s.pk] for s in submissions if s.pk in requests],
                comment=reason,
            )
        for submission in submissions:
            request = requests.get(submission.pk)
            if request is None:
                errors.append(_refusal(submission, ValidationError(_("Nothing to decide."))))
            elif request.pk in refused:
                errors.append(_refusal(submission, refused[request.pk]))
            else:
                done += 1
        services_bulk.rollups_apply(noted)
    return done, errors


def _submissions_decide_each(actor, submissions, decision: str, reason: str) -> tuple[int, list[str]]:
    """One decision after another, each its own savepoint (``request_approve``/``request_return``
    are atomic); the rollups of the approved ones are still written together at the end."""
    from zhijiao.workflows import services as wf

    from . import services_bulk

    done, errors = 0, []
    requests = _open_requests(submissions)
    approved: list[int] = []
    with transaction.atomic():
        for submission in submissions:
            request = requests.get(submission.pk)
            try:
                if request is None:
                    raise ValidationError(_("Nothing to decide."))
                # What a decision noted for the rollups counts only once its savepoint is released.
                with services_bulk.deferred_rollups() as noted:
                    if decision == "approve":
                        wf.request_approve(actor=actor, request=request, comment=reason)
                    else:
                        wf.request_return(actor=actor, request=request, comment=reason)
                approved += noted
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                errors.append(_refusal(submission, exc))
        services_bulk.rollups_apply(approved)
    return done, errors


def awaiting_ids(submission_ids, actor) -> set[int]:
    """Of these submissions, those waiting for the actor's organisation now — one query for the
    whole worklist (the current step of each open request)."""
    from zhijiao.workflows.choices import RequestStatus
    from zhijiao.workflows.models import ApprovalStep
    from zhijiao.workflows.services import actor_holds_node

    steps = ApprovalStep.objects.filter(
        request__kind="reporting.submission",
        request__object_id__in=list(submission_ids),
        request__status=RequestStatus.IN_REVIEW,
        order=F("request__current_step"),
    ).select_related("request")
    return {step.request.object_id for step in steps if actor_holds_node(actor, step)}


# --- the form engine for other apps' forms (a programme's application form) ----------------------


def form_values_clean(version, values: dict) -> dict[str, str]:
    """Check ``values`` (element code → raw entry) against a data-set version's elements without a
    submission — how another app uses a definition as its form. Only elements without
    disaggregation are entered this way. Returns the normalised texts (empty entries dropped) or
    raises a ValidationError keyed by element code."""
    elements = {e.code: e for e in version.elements.prefetch_related("categories")}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for code, raw in values.items():
        element = elements.get(code)
        if element is None or element.cells() != [("", "")]:
            errors[code] = [_("No such field in this form.")]
            continue
        try:
            text, _number = clean_value(element, raw)
        except ValidationError as exc:
            errors[code] = exc.messages
            continue
        if text != "":
            cleaned[code] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


def form_values_failures(version, values: dict[str, str]) -> list[str]:
    """What keeps stored form values (element code → normalised text) from being submitted: the
    version's validation rules that do not hold and required elements left empty."""
    elements = {e.code: e for e in version.elements.all()}
    numbers = {
        code: Decimal(text)
        for code, text in values.items()
        if code in elements and elements[code].value_type in NUMERIC_TYPES and text != ""
    }
    failures = [
        f"{rule.message}（{rule.expression}）"
        for rule in version.rules.all()
        if expressions.holds(rule.expression, numbers) is False
    ]
    failures += [
        _("“%(name)s” is required.") % {"name": e.name}
        for e in elements.values()
        if e.required and not values.get(e.code)
    ]
    return failures


# --- indicators (analytics) --------------------------------------------------------------------


@transaction.atomic
def indicator_create(*, actor, **fields):
    """A monitored indicator over one data element (province only); the element must exist in
    the data set's current version and be numeric."""
    from .models import Indicator

    if not user_scope(actor).is_province:
        raise PermissionDenied
    data_set = fields["data_set"]
    version = data_set.current_version()
    element = version.elements.filter(code=fields.get("element_code", "")).first() if version else None
    if element is None or element.value_type not in NUMERIC_TYPES:
        raise ValidationError({"element_code": _("Choose a numeric data element of this data set.")})
    indicator = Indicator(**fields)
    indicator.full_clean()
    indicator.save()
    # Reference data (like the data sets): no place in the tree; the province's write is audited.
    audit_record(actor=actor, action=AuditAction.CREATE, instance=indicator, after=snapshot(indicator))
    return indicator


@transaction.atomic
def scheme_create(*, actor, items: list[dict], **fields):
    """A 考核 scoring scheme with its items (province only); every item names a numeric element
    of the data set, a positive weight and two different thresholds. Checked whole first."""
    from .models import ScoringItem, ScoringScheme

    if not user_scope(actor).is_province:
        raise PermissionDenied
    version = fields["data_set"].current_version()
    numeric = {e.code for e in version.elements.filter(value_type__in=NUMERIC_TYPES)} if version else set()
    errors = []
    if not items:
        errors.append(_("A scheme needs at least one item."))
    for n, item in enumerate(items, 1):
        if item.get("element_code") not in numeric:
            errors.append(_("Item %(n)d: choose a numeric data element of this data set.") % {"n": n})
    if errors:
        raise ValidationError(errors)
    scheme = ScoringScheme(**fields)
    scheme.full_clean()
    scheme.save()
    for order, item in enumerate(items):
        row = ScoringItem(scheme=scheme, order=order, **item)
        row.full_clean()
        row.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=scheme,
        after={**snapshot(scheme), "items": [{k: str(v) for k, v in i.items()} for i in items]},
    )
    return scheme


# --- the city's own return (CitySubmission, ``lifecycles.CITY_SUBMISSION``) ----------------------

# The definition's ``reporters.city_return`` (``reporting.reporters``): "after_approval" (the
# default) keeps a city's return back while schools it must approve wait for it; "any_time" lets it
# go whatever its schools' state.
CITY_RETURN_AFTER_APPROVAL = "after_approval"
CITY_RETURN_ANY_TIME = "any_time"


def city_return_rule(data_set) -> str:
    return (data_set.reporters or {}).get("city_return") or CITY_RETURN_AFTER_APPROVAL


def is_city_office(city_submission, actor) -> bool:
    """The actor holds a changing role at the city bureau itself (not above it, not below)."""
    return any(
        grant.region_path == city_submission.city.path for grant in user_scope(actor).grants_for("change")
    )


def awaiting_city(city, period) -> int:
    """How many of the city's schools' submissions of the period wait for the city's decision
    (the current step of their open approval request is the city) — one query."""
    from zhijiao.workflows.choices import RequestStatus
    from zhijiao.workflows.models import ApprovalStep

    return ApprovalStep.objects.filter(
        request__kind="reporting.submission",
        request__status=RequestStatus.IN_REVIEW,
        request__object_id__in=Submission.objects.filter(period=period).values("pk"),
        order=F("request__current_step"),
        region=city,
    ).count()


def city_summary(city, period) -> dict:
    """What the city's return says of its schools: how many report the data set, have submitted,
    are approved, are missing at the deadline and were late, and the approved totals of each
    element cell at the city (its rollups) with the number of schools in each, keyed ``code|cell``."""
    from zhijiao.orgs.models import Institution

    from .choices import SubmissionStatus as S
    from .reporters import institution_q

    data_set = period.data_set
    schools = Institution.objects.filter(region__path__startswith=city.path).filter(
        institution_q(data_set.reporters)
    )
    if data_set.reporter_kinds:
        schools = schools.filter(kind__in=data_set.reporter_kinds)
    expected = schools.count()
    subs = list(
        Submission.objects.filter(period=period, institution__in=schools).values_list(
            "status", "submitted_at"
        )
    )
    submitted = [at for status, at in subs if at is not None and status not in EDITABLE]
    late = sum(1 for at in submitted if timezone.localdate(at) > period.deadline)
    approved = sum(1 for status, _at in subs if status in (S.APPROVED, S.LOCKED))
    totals, counts = {}, {}
    for code, cell, total, count in (
        Aggregate.objects.filter(region=city, period=period)
        .order_by("element_code", "cell")
        .values_list("element_code", "cell", "total", "count")
    ):
        totals[f"{code}|{cell}"] = format(total.normalize(), "f")
        counts[f"{code}|{cell}"] = count
    return {
        "expected": expected,
        "submitted": len(submitted),
        "approved": approved,
        "missing": expected - len(submitted),
        "late": late,
        "totals": totals,
        "counts": counts,
    }


def city_schools_decided(city_submission, ctx) -> str | None:
    """Guard of the city's ``submit``: no school's submission still waits for the city's decision
    (unless the data set's ``reporters.city_return`` is ``any_time``). A return of a data set the
    city fills itself passes the form's checks instead (entry window, rules, required cells)."""
    from .reporters import by_city

    if by_city(city_submission.period.data_set):
        return submission_valid(city_submission, ctx)
    if city_return_rule(city_submission.period.data_set) == CITY_RETURN_ANY_TIME:
        return None
    waiting = awaiting_city(city_submission.city, city_submission.period)
    if waiting:
        return _(
            "%(n)d of your schools' submissions still wait for your decision; approve or return them "
            "before the city's return is submitted."
        ) % {"n": waiting}
    return None


def city_own_summary(city_submission) -> dict:
    """The summary of a city's own return (``by: city``): its values keyed ``code|cell`` (what the
    diff on resubmission compares), in the shape of ``city_summary``."""
    totals = {}
    for code, cell, value in city_submission.values.order_by("element__order", "cell").values_list(
        "element__code", "cell", "value"
    ):
        totals[f"{code}|{cell}"] = value
    return {"own": True, "totals": totals, "counts": dict.fromkeys(totals, 1)}


def city_submitted_data(city_submission, ctx) -> dict:
    from .reporters import by_city

    if by_city(city_submission.period.data_set):
        summary = city_own_summary(city_submission)
    else:
        summary = city_summary(city_submission.city, city_submission.period)
    return {"summary": summary, "submitted_at": timezone.now()}


def city_returned_data(city_submission, ctx) -> dict:
    return {"returned_summary": city_submission.summary}


def city_accepted_data(city_submission, ctx) -> dict:
    return {"accepted_at": timezone.now()}


def city_return_accepted(city_submission, actor, ctx) -> None:
    """Effect of the province's ``accept``: a city's own values (``by: city``) enter the rollups
    of the city and the province, and the analytics."""
    from .reporters import by_city

    if by_city(city_submission.period.data_set):
        aggregates_apply(city_submission, 1)
        _analytics_apply(city_submission, 1)


def city_return_reopened(city_submission, actor, ctx) -> None:
    """Effect of ``reopen`` (province only): a city's own values leave the rollups until the
    province accepts the return again."""
    from .reporters import by_city

    if by_city(city_submission.period.data_set):
        aggregates_apply(city_submission, -1)
        _analytics_apply(city_submission, -1)


@transaction.atomic
def city_submission_open(*, actor, city, period: Period):
    """The city's return of the period (created on first use by the city bureau itself)."""
    from zhijiao.orgs.choices import RegionLevel

    from .models import CitySubmission

    existing = CitySubmission.objects.filter(city=city, period=period).first()
    if existing is not None:
        ensure_in_scope(existing, actor, "view")
        return existing
    if city.level != RegionLevel.CITY:
        raise ValidationError(_("Only a city bureau makes a city return."))
    from .reporters import by_city, city_reports

    data_set = period.data_set
    instance = CitySubmission(city=city, period=period)
    if by_city(data_set):
        if not city_reports(city, data_set.reporters):
            raise ValidationError(_("This city does not report this data set."))
        instance.version = data_set.current_version()
        if instance.version is None:
            raise ValidationError(_("This data set has no definition yet."))
        instance.summary = {"own": True, "totals": {}, "counts": {}}
    else:
        instance.summary = city_summary(city, period)
    if not is_city_office(instance, actor):
        raise PermissionDenied(_("Only the city bureau itself makes its return."))
    created = model_create(actor=actor, instance=instance)
    if created.version is not None and not created.version.in_use:
        type(created.version).objects.filter(pk=created.version_id).update(in_use=True)
    return created


def city_submissions_decide(*, actor, submissions, decision: str, reason: str = "") -> tuple[int, list[str]]:
    """The province accepts or returns (with a reason) each city's return — the bulk action of the
    province's worklist. Each decision is its own transaction; a refused one is reported and does
    not undo the others. Returns (done, errors)."""
    from zhijiao.core.lifecycle import fire
    from zhijiao.core.services import OutOfScope

    transition = {"accept": "accept", "return": "return"}.get(decision)
    if transition is None:
        raise ValueError(decision)
    if decision == "return" and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the returns are sent back.")})
    done, errors = 0, []
    for submission in submissions:
        try:
            with transaction.atomic():
                fire("reporting.city_submission", submission, transition, actor=actor, reason=reason)
            done += 1
        except ValidationError as exc:
            errors.append(f"{submission.city}：{'；'.join(exc.messages)}")
        except (PermissionDenied, OutOfScope):
            refused = _("You may not decide this return.")
            errors.append(f"{submission.city}：{refused}")
    return done, errors
