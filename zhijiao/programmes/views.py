"""Pages of 项目库: calls, the application form with attachments, the city's ranked
recommendation, the province's screening, assignment, ranking, decision, public notice and 立项,
the expert pool, the expert's reviews, and the public 公示 page (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.lifecycle import available
from zhijiao.core.lifecycle.views import transition_url
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Region

from . import definitions, selectors, services
from .choices import ApplicationStatus as S
from .choices import CallStage, MajorField, ReviewStatus
from .forms import (
    FUNDING_SOURCES,
    ApplyForm,
    AttachmentForm,
    CallSettingsForm,
    ExpertForm,
    applicant_institutions,
    expert_cities,
)
from .models import Application, Call

KEY = services.KEY


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _role(user) -> str:
    scope = user_scope(user)
    if scope.is_province:
        return "province"
    if scope.region_paths:
        return "city"
    if scope.institution_ids:
        return "school"
    return "expert"


def _page(request, rows, per=50):
    return Paginator(rows, per).get_page(request.GET.get("page"))


@login_required
def calls(request):
    page = _page(
        request,
        selectors.call_list(user=request.user).select_related("programme_type").order_by("-year", "code"),
    )
    is_province = user_scope(request.user).is_province
    for call in page:
        call.links = _call_links(call, is_province)
    return render(request, "programmes/calls.html", {"title": _("Calls"), "page": page})


def _call_links(call: Call, is_province: bool) -> list[tuple[str, str]]:
    """The pages of a call's current phase, for the calls list: its 公示 page and, while the window
    is open, the objection form (anyone); the ranking, the decision list with funding and the
    objections (the province); the follow-up rounds once approved."""
    links = []
    if call.stage in (CallStage.PUBLICISED, CallStage.APPROVED):
        links.append((_("Public notice"), reverse("programmes:public_notice", args=[call.code])))
        if services.objection_window_open(call):
            links.append((_("Lodge an objection"), reverse("programmes:public_objection", args=[call.code])))
    if is_province:
        if call.stage == CallStage.REVIEWING:
            links.append((_("Review and ranking"), reverse("programmes:ranking", args=[call.pk])))
        elif call.stage != CallStage.OPEN:
            links.append((_("Decision list and funding"), reverse("programmes:decision", args=[call.pk])))
        if call.stage == CallStage.PUBLICISED:
            links.append((_("Objections"), reverse("programmes:objections", args=[call.pk])))
    if call.stage == CallStage.APPROVED:
        links.append((_("Follow-up rounds"), reverse("programmes:followup_rounds", args=[call.pk])))
    return links


@login_required
def call_detail(request, pk):
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    role = _role(request.user)
    institutions = applicant_institutions(request.user)
    own = selectors.application_list(user=request.user).filter(call=call).order_by("status", "pk")
    may_change = (
        role == "province"
        and selectors.call_list(user=request.user, action="change").filter(pk=call.pk).exists()
    )
    return render(
        request,
        "programmes/call_detail.html",
        {
            "title": call.name,
            "call": call,
            "role": role,
            "phases": [
                (definitions.phase_name(call.programme_type, p["code"], role), p["code"])
                for p in call.programme_type.definition.get("phases", [])
            ],
            "quotas": call.quotas.select_related("city"),
            "page": _page(request, own),
            "apply_form": ApplyForm(user=request.user, kind=call.programme_type.applicant_kind)
            if institutions.exists()
            else None,
            "is_province": role == "province",
            "settings_form": CallSettingsForm(
                initial={
                    "max_reviews_per_expert": call.max_reviews_per_expert,
                    "budget_total": call.budget_total,
                }
            )
            if may_change
            else None,
            "counts": services.counts_by_status(call) if role == "province" else {},
            "statuses": S,
        },
    )


@login_required
@require_POST
def apply(request, pk):
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    form = ApplyForm(request.POST, user=request.user, kind=call.programme_type.applicant_kind)
    if not form.is_valid():
        messages.error(
            request, _("Choose the institution, give a title and a 专业大类, and name who applies.")
        )
        return redirect("programmes:call_detail", pk=call.pk)
    try:
        application = services.application_create(
            actor=request.user,
            call=call,
            institution=form.cleaned_data["institution"],
            title=form.cleaned_data["title"],
            field=form.cleaned_data["field"],
            applicant=form.applicant(request.user),
        )
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("programmes:call_detail", pk=call.pk)
    return redirect("programmes:application_detail", pk=application.pk)


def _form_rows(application, posted=None, errors=None):
    version = application.call.programme_type.form_version
    if version is None:
        return []
    rows = []
    stored = services.values_by_code(application)
    for element in version.elements.all():
        name = f"v__{element.code}"
        value = posted.get(name, "") if posted is not None else stored.get(element.code, "")
        rows.append(
            {"element": element, "name": name, "value": value, "errors": (errors or {}).get(element.code, [])}
        )
    return rows


@login_required
def application_detail(request, pk):
    application = get_object_or_404(
        selectors.application_list(user=request.user).select_related("call__programme_type"), pk=pk
    )
    call = application.call
    may_change = selectors.application_list(user=request.user, action="change").filter(pk=pk).exists()
    posted, errors = None, {}
    if request.method == "POST":
        if not may_change:
            raise Http404
        action = request.POST.get("action", "save")
        try:
            if action == "attach":
                form = AttachmentForm(
                    request.POST, request.FILES, kinds=[(a["code"], a["name"]) for a in call.attachments]
                )
                if not form.is_valid():
                    raise ValidationError(_("Choose the attachment and its file."))
                services.attachment_add(
                    actor=request.user,
                    application=application,
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                )
                messages.success(request, _("Attachment added."))
            elif action in ("save", "submit"):
                if application.status == S.DRAFT:
                    values = {k[3:]: v for k, v in request.POST.items() if k.startswith("v__")}
                    application = services.application_save(
                        actor=request.user,
                        application=application,
                        title=request.POST.get("title", application.title)[:200] or application.title,
                        field=request.POST.get("field", application.field),
                        values=values,
                    )
                if action == "submit":
                    services.application_submit(actor=request.user, application=application)
                    messages.success(request, _("Application submitted."))
                else:
                    messages.success(request, _("Draft saved."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("programmes:application_detail", pk=application.pk)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
                posted = request.POST
                messages.error(request, _("Some values are not accepted; see the fields marked."))
            else:
                _errors(request, exc)
            application.refresh_from_db()
    role = _role(request.user)
    blind = call.blind_review and role == "expert"
    rows = _form_rows(application, posted, errors)
    shown = services.blind_application(application) if blind else None
    if shown:
        for row in rows:
            row["value"] = shown["values"].get(row["element"].code, "")
    return render(
        request,
        "programmes/application_detail.html",
        {
            "title": shown["title"] if shown else application.title,
            "shown_title": shown["title"] if shown else application.title,
            "application": application,
            "call": call,
            "blind": blind,
            "editable": may_change and application.status == S.DRAFT,
            "rows": rows,
            "attachments": shown["attachments"] if shown else application.attachments.all(),
            "attach_form": AttachmentForm(kinds=[(a["code"], a["name"]) for a in call.attachments]),
            "required": [a for a in call.attachments if a.get("required")],
            "transitions": [
                (t.label, transition_url(application, KEY, t.name))
                for t in available(KEY, application, request.user)
            ],
            "fields": MajorField.choices,
        },
    )


def _city_of_user(user) -> Region | None:
    paths = [p for p in user_scope(user).region_paths if p.count("/") == 2]
    return Region.objects.filter(path=paths[0], level=RegionLevel.CITY).first() if paths else None


@login_required
def recommend(request, pk):
    """The city ranks its schools' submitted applications and recommends within its quota; the
    province sees every city's ranking."""
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    city = _city_of_user(request.user)
    apps = selectors.application_list(user=request.user).filter(call=call)
    if request.method == "POST":
        if city is None:
            raise Http404
        ranked = []
        for app in apps.filter(status=S.SUBMITTED):
            raw = request.POST.get(f"rank_{app.pk}", "").strip()
            if raw:
                if not raw.isdigit():
                    messages.error(request, _("A rank is a whole number."))
                    return redirect("programmes:recommend", pk=call.pk)
                ranked.append((int(raw), app.pk, app))
        try:
            n = services.city_recommend(
                actor=request.user, call=call, ranking=[a for _r, _p, a in sorted(ranked)]
            )
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("%(n)d applications recommended.") % {"n": n})
        return redirect("programmes:recommend", pk=call.pk)
    return render(
        request,
        "programmes/recommend.html",
        {
            "title": _("City recommendation"),
            "call": call,
            "city": city,
            "quota": services.quota_of(call, city) if city else None,
            "pending": apps.filter(status=S.SUBMITTED).order_by("institution__name", "pk")[:500],
            "recommended": apps.filter(status__in=services.RECOMMENDED_OR_LATER)
            .select_related("institution__region")
            .order_by("institution__region__path", "city_rank", "pk")[:2000],
        },
    )


@login_required
def ranking(request, pk):
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    if not user_scope(request.user).is_province:
        raise Http404
    apps = selectors.application_list(user=request.user).filter(call=call, score__isnull=False)
    ordered = services.ranking(call, services.ranking_rows(apps))
    # The whole call is ordered (the tie rule needs every score); a page of it is shown.
    page = _page(request, ordered, per=100)
    start = page.start_index()
    rows = [
        {"number": start + i, "app": a, "outliers": services.outliers(a)}
        for i, a in enumerate(page.object_list)
    ]
    may_act = selectors.call_list(user=request.user, action="change").filter(pk=call.pk).exists()
    screening = selectors.application_list(user=request.user).filter(call=call, status=S.RECOMMENDED)
    return render(
        request,
        "programmes/ranking.html",
        {
            "title": _("Review and ranking"),
            "call": call,
            "rows": rows,
            "page": page,
            "screening": [
                (a, transition_url(a, KEY, "screen_pass"), transition_url(a, KEY, "screen_fail"))
                for a in screening[:500]
            ],
            "report": request.session.pop("programmes_assignment", None),
            "may_act": may_act,
        },
    )


@login_required
@require_POST
def manage(request, pk):
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    if not user_scope(request.user).is_province:
        raise Http404
    step = request.POST.get("step")
    try:
        if step == "assign":
            report = services.reviewers_assign(actor=request.user, call=call)
            request.session["programmes_assignment"] = report
            messages.success(request, _("Reviewers assigned."))
        elif step == "decide":
            services.decide(actor=request.user, call=call)
            messages.success(request, _("The decision list is drawn up."))
        elif step == "publicise":
            services.publicise(actor=request.user, call=call)
            messages.success(request, _("The decision list is published for objections."))
        elif step == "approve":
            n = services.approve(actor=request.user, call=call)
            messages.success(request, _("%(n)d applications approved.") % {"n": n})
        else:
            raise ValidationError(_("Unknown action."))
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("programmes:ranking", pk=call.pk)


@login_required
@require_POST
def call_settings(request, pk):
    """The province sets the call's cap on an expert's reviews and its budget."""
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    if not selectors.call_list(user=request.user, action="change").filter(pk=call.pk).exists():
        raise Http404
    form = CallSettingsForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.call_settings_update(actor=request.user, call=call, **form.cleaned_data)
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The call's settings are saved."))
    return redirect("programmes:call_detail", pk=call.pk)


@login_required
def decision(request, pk):
    """The decision list (拟立项 and 立项) with each application's funding: the province records
    the amounts and their sources between the decision and 立项, within the call's budget."""
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    if not user_scope(request.user).is_province:
        raise Http404
    may_act = selectors.call_list(user=request.user, action="change").filter(pk=call.pk).exists()
    editable = may_act and call.stage in services.FUNDING_STAGES
    listed = (
        selectors.application_list(user=request.user)
        .filter(call=call, status__in=[S.SHORTLISTED, S.APPROVED])
        .select_related("institution")
        .order_by("rank", "pk")
    )
    posted = None
    if request.method == "POST":
        if not editable:
            raise Http404
        posted = request.POST
        funding = {
            a.pk: (request.POST.get(f"amount_{a.pk}", ""), request.POST.get(f"source_{a.pk}", ""))
            for a in listed
            if a.status == S.SHORTLISTED
        }
        try:
            n = services.funding_set(actor=request.user, call=call, funding=funding)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Funding saved for %(n)d applications.") % {"n": n})
            return redirect("programmes:decision", pk=call.pk)
    rows = [
        {
            "app": a,
            "amount": posted.get(f"amount_{a.pk}", "") if posted is not None else (a.funding or ""),
            "source": posted.get(f"source_{a.pk}", "") if posted is not None else a.funding_source,
        }
        for a in listed
    ]
    total = services.funding_total(call)
    return render(
        request,
        "programmes/decision.html",
        {
            "title": _("Decision list and funding"),
            "call": call,
            "rows": rows,
            "editable": editable,
            "sources": FUNDING_SOURCES,
            "total": total,
            "remaining": call.budget_total - total if call.budget_total is not None else None,
        },
    )


@login_required
def experts(request):
    page = _page(
        request, selectors.expert_list(user=request.user).prefetch_related("former_employers__institution")
    )
    may_add = expert_cities(request.user).exists()
    return render(
        request, "programmes/experts.html", {"title": _("Expert pool"), "page": page, "may_add": may_add}
    )


@login_required
def expert_new(request):
    if not expert_cities(request.user).exists():
        raise Http404
    form = ExpertForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.expert_create(actor=request.user, **form.cleaned_data)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Expert added."))
            return redirect("programmes:experts")
    return render(request, "programmes/expert_form.html", {"title": _("Add an expert"), "form": form})


@login_required
def my_reviews(request):
    page = _page(
        request,
        selectors.my_reviews(user=request.user)
        .select_related("application__institution__region__parent__parent")
        .order_by("status", "pk"),
    )
    for review in page:
        title = review.application.title
        if review.application.call.blind_review:
            title = services.blind_mask(title, services.institution_terms(review.application.institution))
        review.shown_title = title
    return render(request, "programmes/my_reviews.html", {"title": _("My reviews"), "page": page})


def _rubric_post(request, rubric) -> tuple[dict, dict]:
    """The scores and comments a review form posted, by rubric item code (``s__<code>``, ``c__<code>``)."""
    scores = {i["code"]: request.POST.get(f"s__{i['code']}", "") for i in rubric}
    comments = {i["code"]: request.POST.get(f"c__{i['code']}", "") for i in rubric}
    return scores, comments


def _rubric_items(request, rubric, review, errors) -> list[dict]:
    """Each rubric item with the score and comment to show (as posted, else as stored by the item's
    place) and its errors: the rows of a review form."""
    return [
        {
            "item": i,
            "score": request.POST.get(f"s__{i['code']}", review.scores.get(str(n), "")),
            "comment": request.POST.get(f"c__{i['code']}", review.comments.get(str(n), "")),
            "errors": errors.get(i["code"], []),
        }
        for n, i in enumerate(rubric, start=1)
    ]


@login_required
def review_form(request, pk):
    review = get_object_or_404(
        selectors.review_list(user=request.user).select_related("application__call"), pk=pk
    )
    application = review.application
    errors = {}
    if request.method == "POST":
        scores, comments = _rubric_post(request, application.call.rubric)
        try:
            services.review_submit(actor=request.user, review=review, scores=scores, comments=comments)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
                messages.error(request, _("Some scores are not accepted; see the fields marked."))
            else:
                _errors(request, exc)
        else:
            messages.success(request, _("Scores submitted."))
            return redirect("programmes:my_reviews")
    items = _rubric_items(request, application.call.rubric, review, errors)
    blind = application.call.blind_review
    return render(
        request,
        "programmes/review_form.html",
        {
            "title": _("Review"),
            "review": review,
            "application": application,
            "shown_title": services.blind_application(application)["title"] if blind else application.title,
            "blind": blind,
            "items": items,
            "editable": review.user_id == request.user.pk and review.status == ReviewStatus.ASSIGNED,
        },
    )


def public_notices(request):
    """The public index of 公示 (no login): every call whose decision list is or was published."""
    paginator = Paginator(selectors.public_calls(), 25)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "programmes/public_notices.html",
        {"title": _("Public notices of programme selections"), "page": page, "today": timezone.localdate()},
    )


def public_notice(request, code):
    """The public 公示 of a call's decision list (no login): only once the list is final and
    published, with its dated objection window."""
    call = Call.objects.filter(code=code, stage__in=[CallStage.PUBLICISED, CallStage.APPROVED]).first()
    if call is None:
        raise Http404
    listed = (
        Application.objects.filter(call=call, status__in=[S.SHORTLISTED, S.APPROVED])
        .select_related("institution")
        .order_by("rank", "pk")
    )
    answered = (
        call.objections.filter(status="answered").select_related("application").order_by("answered_at", "pk")
    )
    return render(
        request,
        "programmes/public_notice.html",
        {
            "title": _("Public notice: %(name)s") % {"name": call.name},
            "call": call,
            "listed": listed,
            "answered": answered,
            "open": services.objection_window_open(call),
        },
    )


# --- objections during the public notice ---------------------------------------------------------------


def _public_call(code):
    call = Call.objects.filter(code=code, stage__in=[CallStage.PUBLICISED, CallStage.APPROVED]).first()
    if call is None:
        raise Http404
    return call


def public_objection(request, code):
    """Lodge an objection to a published list (no login): a CAPTCHA every time, and at most the
    rule's number per address per hour (``PROG-OBJECTION-LIMIT``)."""
    from zhijiao.core import captcha, ratelimit, rules

    from .forms import ObjectionForm

    call = _public_call(code)
    listed = Application.objects.filter(call=call, status__in=[S.SHORTLISTED, S.APPROVED]).order_by(
        "rank", "pk"
    )
    form = ObjectionForm(request.POST or None, applications=listed)
    challenge_error = None
    if request.method == "POST" and services.objection_window_open(call):
        client = ratelimit.client_address(request)
        limit = int(rules.param("PROGRAMMES_OBJECTIONS_PER_HOUR"))
        (count,) = ratelimit.hits([(f"prog:objection:{client}", 3600, False)])
        if count >= limit:
            response = render(
                request,
                "programmes/public_objection.html",
                {"title": _("Too many objections"), "call": call, "limited": True},
                status=429,
            )
            response["Retry-After"] = "3600"
            return response
        if not captcha.check(request.POST.get("captcha_token", ""), request.POST.get("captcha", "")):
            challenge_error = _("The characters were wrong. Type the ones in the new picture.")
        elif form.is_valid():
            try:
                services.objection_lodge(call=call, **form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                ratelimit.hits([(f"prog:objection:{client}", 3600, True)])
                messages.success(
                    request, _("Your objection has been received; the answer will be published here.")
                )
                return redirect("programmes:public_notice", code=call.code)
    return render(
        request,
        "programmes/public_objection.html",
        {
            "title": _("Lodge an objection: %(name)s") % {"name": call.name},
            "call": call,
            "form": form,
            "open": services.objection_window_open(call),
            "captcha": captcha.new() if services.objection_window_open(call) else None,
            "challenge_error": challenge_error,
        },
    )


@login_required
def objections(request, pk):
    """The province's list of a call's objections, each with its investigation and answer."""
    from .forms import ObjectionAnswerForm

    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    if not user_scope(request.user).is_province:
        raise Http404
    rows = selectors.objection_list(user=request.user).filter(call=call)
    may_act = selectors.call_list(user=request.user, action="change").filter(pk=call.pk).exists()
    if request.method == "POST":
        if not may_act:
            raise Http404
        objection = get_object_or_404(rows, pk=request.POST.get("objection") or 0)
        form = ObjectionAnswerForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(_("Record the finding and the answer."))
            services.objection_answer(actor=request.user, objection=objection, **form.cleaned_data)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("The answer is recorded and published with the notice."))
        return redirect("programmes:objections", pk=call.pk)
    return render(
        request,
        "programmes/objections.html",
        {
            "title": _("Objections: %(name)s") % {"name": call.name},
            "call": call,
            "rows": rows.select_related("application"),
            "may_act": may_act and call.stage == CallStage.PUBLICISED,
        },
    )
