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
from django.views.decorators.http import require_POST

from zhijiao.core.downloads import download_response
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope

from . import certificates, selectors, services
from .choices import EntryStatus, EventStage
from .forms import EntryForm, form_schools
from .models import Entry


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _page(request, rows, per=50):
    return Paginator(rows, per).get_page(request.GET.get("page"))


def _is_province(user) -> bool:
    return user_scope(user).is_province


@login_required
def events(request):
    page = _page(request, selectors.event_list(user=request.user).order_by("-year", "code"))
    return render(request, "competitions/events.html", {"title": _("Competition events"), "page": page})


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
            "report": request.session.pop("competitions_assignment", None),
        },
    )


@login_required
@require_POST
def event_manage(request, pk):
    event = get_object_or_404(selectors.event_list(user=request.user), pk=pk)
    if not _is_province(request.user):
        raise Http404
    step = request.POST.get("step")
    try:
        if step == "assign":
            report = services.judges_assign(actor=request.user, event=event)
            request.session["competitions_assignment"] = report
            messages.success(request, _("Judges assigned."))
        elif step == "approve":
            n = services.results_approve(actor=request.user, event=event)
            messages.success(request, _("Results approved: %(n)d entries ranked.") % {"n": n})
        elif step == "publish":
            n = services.results_publish(actor=request.user, event=event)
            messages.success(request, _("Results published: %(n)d award certificates issued.") % {"n": n})
        else:
            raise ValidationError(_("Unknown action."))
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("competitions:event_detail", pk=event.pk)


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
            "may_time": _is_province(user) and event.stage == EventStage.JUDGING,
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
            "may_time": _is_province(user) and contest.event.stage == EventStage.JUDGING,
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
