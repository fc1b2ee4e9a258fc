"""Pages of 技能大赛: events and contests, a school's entries, the city's sending, the province's
judges, times, approval and publication, the judges' scoring (blind where the contest is), the
award certificate PDF, and the public results and certificate verification (no login)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhijiao.core.downloads import download_response
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope

from . import certificates, selectors, services
from .choices import EntryStatus, EventStage
from .forms import ContestForm, EntryForm, EventForm, form_schools, rubric_rows
from .models import Entry

BLANK_RUBRIC_ROWS = 3


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _page(request, rows, per=50):
    return Paginator(rows, per).get_page(request.GET.get("page"))


def _is_province(user) -> bool:
    return user_scope(user).is_province


@login_required
def events(request):
    page = _page(request, selectors.event_list(user=request.user).order_by("-year", "code"))
    return render(
        request,
        "competitions/events.html",
        {
            "title": _("Competition events"),
            "page": page,
            "may_organise": selectors.may_organise(request.user),
        },
    )


@login_required
def event_detail(request, pk):
    event = get_object_or_404(selectors.event_list(user=request.user), pk=pk)
    contests = (
        selectors.contest_list(user=request.user)
        .filter(event=event)
        .annotate(sent=Count("entries", filter=Q(entries__status=EntryStatus.SENT)))
        .order_by("kind", "name", "pk")
    )
    return render(
        request,
        "competitions/event_detail.html",
        {
            "title": event.name,
            "event": event,
            "contests": contests,
            "is_province": _is_province(request.user),
            "may_organise": selectors.may_organise(request.user),
            "report": request.session.pop("competitions_assignment", None),
        },
    )


#: The province's steps on an event: (stage it needs, the question asked before, what it does).
STEPS = {
    "assign": (
        EventStage.OPEN,
        gettext_lazy("Close entries and assign judges"),
        gettext_lazy(
            "Entries and the cities' sending close; each contest with sent entries gets its judges from "
            "the expert pool (回避 applied). The event's dates can no longer change."
        ),
    ),
    "approve": (
        EventStage.JUDGING,
        gettext_lazy("Approve the results"),
        gettext_lazy(
            "Ranks and prizes are computed from the judges' scores and fixed; scores can no longer be "
            "corrected."
        ),
    ),
    "publish": (
        EventStage.APPROVED,
        gettext_lazy("Publish the results and issue certificates"),
        gettext_lazy(
            "The results appear on the public results page, and an award certificate is issued for "
            "every prize. This cannot be undone."
        ),
    ),
}


@login_required
@require_POST
def event_manage(request, pk):
    """The province's steps on an event. Each is a POST asked twice: the first shows what the step
    does and asks to confirm, the second (``confirm=yes``) does it; the outcome is a message."""
    event = get_object_or_404(selectors.event_list(user=request.user, action="change"), pk=pk)
    if not selectors.may_organise(request.user):
        raise Http404
    step = request.POST.get("step")
    if step not in STEPS:
        messages.error(request, _("Unknown action."))
        return redirect("competitions:event_detail", pk=event.pk)
    stage, label, consequence = STEPS[step]
    if event.stage != stage:
        messages.error(
            request,
            _("This step does not apply at the event's stage (%(s)s).") % {"s": event.get_stage_display()},
        )
        return redirect("competitions:event_detail", pk=event.pk)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "competitions/event_confirm.html",
            {"title": label, "event": event, "step": step, "consequence": consequence},
        )
    try:
        if step == "assign":
            report = services.judges_assign(actor=request.user, event=event)
            request.session["competitions_assignment"] = report
            messages.success(request, _("Judges assigned."))
        elif step == "approve":
            n = services.results_approve(actor=request.user, event=event)
            messages.success(request, _("Results approved: %(n)d entries ranked.") % {"n": n})
        else:
            n = services.results_publish(actor=request.user, event=event)
            messages.success(request, _("Results published: %(n)d award certificates issued.") % {"n": n})
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("competitions:event_detail", pk=event.pk)


def _form_errors(form, exc: ValidationError) -> None:
    """A service's refusal shown on the form: on its field when it names one, else above."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _event_data(data) -> dict:
    return {
        "name": data["name"],
        "year": data["year"],
        "organiser": data["organiser"],
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "entry_deadline": data["entry_deadline"],
        "city_deadline": data["city_deadline"],
        "ratios": (data["first_ratio"], data["second_ratio"], data["third_ratio"]),
        "avoid_same_city": data["avoid_same_city"],
    }


@login_required
def event_create(request):
    if not selectors.may_organise(request.user):
        raise Http404
    first, second, third = services.default_ratios()
    form = EventForm(
        request.POST or None,
        initial={
            "year": services.today().year,
            "first_ratio": first,
            "second_ratio": second,
            "third_ratio": third,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.event_create(actor=request.user, code=data["code"], **_event_data(data))
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Event %(name)s created; now add its contests.") % {"name": event.name}
            )
            return redirect("competitions:event_detail", pk=event.pk)
    return render(
        request, "competitions/event_form.html", {"title": _("New competition event"), "form": form}
    )


@login_required
def event_edit(request, pk):
    event = get_object_or_404(selectors.event_list(user=request.user, action="change"), pk=pk)
    if not selectors.may_organise(request.user):
        raise Http404
    if event.stage in (EventStage.APPROVED, EventStage.PUBLISHED):
        messages.error(request, _("The results are approved; the event is no longer edited."))
        return redirect("competitions:event_detail", pk=event.pk)
    initial = {
        f: getattr(event, f)
        for f in (
            "name", "year", "organiser", "entry_deadline", "city_deadline", "starts_on", "ends_on",
            "first_ratio", "second_ratio", "third_ratio", "avoid_same_city",
        )
    }  # fmt: skip
    form = EventForm(request.POST or None, initial=initial, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event=event, **_event_data(form.cleaned_data))
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Event saved."))
            return redirect("competitions:event_detail", pk=event.pk)
    return render(
        request,
        "competitions/event_form.html",
        {"title": _("Edit %(name)s") % {"name": event.name}, "form": form, "event": event},
    )


def _rubric_context(request, rubric) -> list[dict]:
    rows = rubric_rows(request.POST) if request.method == "POST" else list(rubric)
    rows = rows + [{}] * BLANK_RUBRIC_ROWS
    return [{**r, "n": n} for n, r in enumerate(rows)]


def _contest_data(data, rubric) -> dict:
    return {
        "name": data["name"],
        "kind": data["kind"],
        "major_class": data["major_class"],
        "require_major": data["require_major"],
        "team_size": data["team_size"],
        "quota_per_school": data["quota_per_school"],
        "quota_per_city": data["quota_per_city"],
        "judges_needed": data["judges_needed"],
        "blind": data["blind"],
        "rubric": rubric,
    }


def _contest_page(request, *, event, form, contest=None):
    return render(
        request,
        "competitions/contest_form.html",
        {
            "title": _("Edit %(name)s") % {"name": contest.name} if contest else _("New contest"),
            "event": event,
            "contest": contest,
            "form": form,
            "rubric": _rubric_context(request, contest.rubric if contest else []),
        },
    )


@login_required
def contest_create(request, pk):
    event = get_object_or_404(selectors.event_list(user=request.user, action="change"), pk=pk)
    if not selectors.may_organise(request.user):
        raise Http404
    if event.stage != EventStage.OPEN:
        messages.error(request, _("Contests are added while the event is open for entries."))
        return redirect("competitions:event_detail", pk=event.pk)
    form = ContestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contest = services.contest_create(
                actor=request.user, event=event, **_contest_data(form.cleaned_data, rubric_rows(request.POST))
            )
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Contest %(name)s added.") % {"name": contest.name})
            return redirect("competitions:event_detail", pk=event.pk)
    return _contest_page(request, event=event, form=form)


@login_required
def contest_edit(request, pk):
    contest = get_object_or_404(selectors.contest_list(user=request.user, action="change"), pk=pk)
    event = contest.event
    if not selectors.may_organise(request.user):
        raise Http404
    if event.stage != EventStage.OPEN:
        messages.error(request, _("Contests are changed while the event is open for entries."))
        return redirect("competitions:contest_detail", pk=contest.pk)
    initial = {
        f: getattr(contest, f)
        for f in (
            "name", "kind", "major_class", "require_major", "team_size", "quota_per_school",
            "quota_per_city", "judges_needed", "blind",
        )
    }  # fmt: skip
    form = ContestForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.contest_update(
                actor=request.user,
                contest=contest,
                **_contest_data(form.cleaned_data, rubric_rows(request.POST)),
            )
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Contest saved."))
            return redirect("competitions:contest_detail", pk=contest.pk)
    return _contest_page(request, event=event, form=form, contest=contest)


def _results_visible(event, user) -> bool:
    """Ranks and prizes: the province once approved, everyone once published."""
    return event.stage == EventStage.PUBLISHED or (event.stage == EventStage.APPROVED and _is_province(user))


@login_required
def contest_detail(request, pk):
    contest = get_object_or_404(selectors.contest_list(user=request.user), pk=pk)
    event = contest.event
    user = request.user
    entries = (
        selectors.entry_list(user=user)
        .filter(contest=contest)
        .select_related("institution__region")
        .prefetch_related("members")
        .order_by("status", "institution__name", "number")
    )
    is_judge = selectors.my_judging(user=user).filter(contest=contest).exists()
    blind = contest.blind and is_judge and not _is_province(user)
    if is_judge and not _is_province(user):
        entries = entries.filter(status=EntryStatus.SENT)  # a judge judges what the cities sent
    may_enter = event.stage == EventStage.OPEN and form_schools(user).exists()
    form = EntryForm(user=user, contest=contest) if may_enter else None
    if request.method == "POST":
        if not may_enter:
            raise Http404
        form = EntryForm(request.POST, user=user, contest=contest)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.entry_create(
                    actor=user,
                    contest=contest,
                    institution=data["institution"],
                    students=list(data.get("students") or []),
                    teachers=data.get("teachers") or [],
                    team_name=data.get("team_name", ""),
                )
            except OutOfScope as exc:
                raise Http404 from exc
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Entry %(n)s submitted.") % {"n": entry.number})
                return redirect("competitions:contest_detail", pk=contest.pk)
        else:
            messages.error(request, _("Some values are not accepted; see the fields marked."))
    is_city = bool([p for p in user_scope(user).region_paths if p.count("/") >= 2])
    return render(
        request,
        "competitions/contest_detail.html",
        {
            "title": contest.name,
            "contest": contest,
            "event": event,
            "entries": _page(request, entries, per=100),
            "blind": blind,
            "form": form,
            "may_send": is_city and event.stage == EventStage.OPEN,
            "may_time": selectors.may_organise(user) and event.stage == EventStage.JUDGING,
            "may_edit": selectors.may_organise(user) and event.stage == EventStage.OPEN,
            "results": _results_visible(event, user),
            "judges": selectors.judge_list(user=user).filter(contest=contest).select_related("expert")
            if _is_province(user)
            else [],
        },
    )


@login_required
@require_POST
def contest_send(request, pk):
    """The city sends the chosen submitted entries of its schools."""
    contest = get_object_or_404(selectors.contest_list(user=request.user), pk=pk)
    ids = [int(x) for x in request.POST.getlist("entry") if x.isdigit()]
    chosen = list(
        selectors.entry_list(user=request.user, action="change").filter(contest=contest, pk__in=ids)
    )
    try:
        n = services.city_send(actor=request.user, contest=contest, entries=chosen)
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("%(n)d entries sent to the province.") % {"n": n})
    return redirect("competitions:contest_detail", pk=contest.pk)


@login_required
def entry_detail(request, pk):
    entry = get_object_or_404(
        selectors.entry_list(user=request.user).select_related("contest__event", "institution"), pk=pk
    )
    contest = entry.contest
    user = request.user
    may_change = selectors.entry_list(user=user, action="change").filter(pk=pk).exists()
    if request.method == "POST":
        if not may_change:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "withdraw":
                services.entry_withdraw(actor=user, entry=entry)
                messages.success(request, _("Entry withdrawn."))
            elif action == "return":
                services.city_return(actor=user, entry=entry, reason=request.POST.get("reason", ""))
                messages.success(request, _("Entry returned to the school."))
            elif action == "time":
                raw = request.POST.get("seconds", "").strip()
                if not raw.isdigit():
                    raise ValidationError(_("Enter the time used in whole seconds."))
                services.entry_time_record(actor=user, entry=entry, seconds=int(raw))
                messages.success(request, _("Time recorded."))
            else:
                raise ValidationError(_("Unknown action."))
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("competitions:entry_detail", pk=entry.pk)
    is_judge = selectors.my_judging(user=user).filter(contest=contest).exists()
    blind = contest.blind and is_judge and not _is_province(user)
    certificate = (
        selectors.certificate_list(user=user).filter(entry=entry).first()
        if contest.event.stage == EventStage.PUBLISHED
        else None
    )
    return render(
        request,
        "competitions/entry_detail.html",
        {
            "title": _("Entry %(n)s") % {"n": entry.number},
            "entry": entry,
            "contest": contest,
            "blind": blind,
            "members": [] if blind else entry.members.all(),
            "results": _results_visible(contest.event, user),
            "certificate": certificate,
            "may_withdraw": may_change and entry.status == EntryStatus.SUBMITTED and not _is_province(user),
            "may_return": may_change
            and entry.status == EntryStatus.SUBMITTED
            and services.is_city_of(entry.institution, user),
            "may_time": selectors.may_organise(user) and contest.event.stage == EventStage.JUDGING,
        },
    )


@login_required
def my_judging(request):
    page = _page(request, selectors.my_judging(user=request.user).order_by("-contest__event__year", "pk"))
    return render(request, "competitions/my_judging.html", {"title": _("My judging"), "page": page})


@login_required
def judging(request, pk):
    """A judge's scoring sheet of one contest: the sent entries, by number only when blind."""
    judge = get_object_or_404(selectors.my_judging(user=request.user), pk=pk)
    contest = judge.contest
    entries = list(
        Entry.objects.filter(contest=contest, status=EntryStatus.SENT)
        .select_related("institution")
        .prefetch_related("members")
        .order_by("number")
    )
    mine = {s.entry_id: s for s in judge.scores.all()}
    errors, posted_entry = {}, None
    if request.method == "POST":
        raw = request.POST.get("entry", "")
        entry = next((e for e in entries if str(e.pk) == raw), None)
        if entry is None:
            raise Http404
        items = {i["code"]: request.POST.get(f"s__{i['code']}", "") for i in contest.rubric}
        try:
            services.score_submit(actor=request.user, entry=entry, items=items)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors, posted_entry = exc.message_dict, entry.pk
                messages.error(request, _("Some scores are not accepted; see the fields marked."))
            else:
                _errors(request, exc)
        else:
            messages.success(request, _("Scores of %(n)s saved.") % {"n": entry.number})
            return redirect("competitions:judging", pk=judge.pk)
    rows = []
    for entry in entries:
        score = mine.get(entry.pk)
        rows.append(
            {
                "entry": entry,
                "score": score,
                "items": [
                    {
                        "item": item,
                        "value": request.POST.get(f"s__{item['code']}", "")
                        if posted_entry == entry.pk
                        else (score.items.get(str(n), "") if score else ""),
                        "errors": errors.get(item["code"], []) if posted_entry == entry.pk else [],
                    }
                    for n, item in enumerate(contest.rubric, start=1)
                ],
            }
        )
    return render(
        request,
        "competitions/judging.html",
        {
            "title": _("Scoring: %(name)s") % {"name": contest.name},
            "judge": judge,
            "contest": contest,
            "rows": rows,
            "blind": contest.blind,
            "open": contest.event.stage == EventStage.JUDGING,
        },
    )


@login_required
def certificate_pdf(request, pk):
    certificate = get_object_or_404(
        selectors.certificate_list(user=request.user).filter(
            entry__contest__event__stage=EventStage.PUBLISHED
        ),
        pk=pk,
    )
    return download_response(
        certificates.certificate_pdf(certificate),
        f"获奖证书-{certificate.number}.pdf",
        content_type="application/pdf",
        fallback=f"award-{certificate.number}.pdf",
    )
