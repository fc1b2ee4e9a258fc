"""Internship pages: school (plans, placements with blocked violations), student (mobile check-in and
reports), mentor worklist, authority dashboard. Views call selectors to read and services to write."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import ObjectEditView, ObjectListView, ScopedObjectMixin, add_service_errors

from . import selectors, services
from .checkins import checkin_ingest
from .filtersets import (
    AlertFilterSet,
    DirectReportFilterSet,
    PlacementFilterSet,
    PlanFilterSet,
    PostFilterSet,
)
from .forms import (
    AgreementForm,
    CheckInForm,
    DirectReportForm,
    GradeForm,
    InsuranceForm,
    MentorForm,
    PlacementForm,
    PlanForm,
    PostForm,
    ReportForm,
    ResponseForm,
    ReviewForm,
)
from .models import Agreement, CheckIn, PayRecord, Report
from .rules import RULE_TITLES, citation
from .tables import AlertTable, DirectReportTable, PlacementTable, PlanTable, PostTable


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


class _Post(LoginRequiredMixin, View):
    """A POST-only state change: run ``act``; service errors become messages; back to ``next``."""

    def act(self, request, **kwargs) -> str:  # returns the URL to go to
        raise NotImplementedError

    def post(self, request, **kwargs):
        try:
            url = self.act(request, **kwargs)
        except OutOfScope:
            raise Http404 from None
        except ValidationError as exc:
            _errors(request, exc)
            url = request.POST.get("next") or request.META.get("HTTP_REFERER") or reverse("internships:my")
        return HttpResponseRedirect(url)


# --- plans and posts ---------------------------------------------------------------------------------
class PlanListView(ObjectListView):
    selector = selectors.plan_list
    filterset_class = PlanFilterSet
    table_class = PlanTable
    title = gettext_lazy("Internship plans")
    add_url_name = "internships:plan_add"


class PlanEditView(ObjectEditView):
    selector = selectors.plan_list
    form_class = PlanForm
    create_service = services.plan_create
    update_service = services.plan_update
    service_kwarg = "plan"


class PlanDetailView(ScopedObjectMixin, View):
    selector = selectors.plan_list

    def get(self, request, pk):
        plan = self.get_object()
        placements = (
            selectors.placement_list(user=request.user).filter(plan=plan).order_by("status", "id")[:500]
        )
        # Edit, place and submit open only for users who may change the plan (not the auditor).
        can_change = selectors.plan_list(user=request.user, action="change").filter(pk=plan.pk).exists()
        return render(
            request,
            "internships/plan_detail.html",
            {"title": plan.title, "plan": plan, "placements": placements, "can_change": can_change},
        )


class PlanSubmitView(_Post):
    def act(self, request, pk):
        plan = selectors.plan_list(user=request.user, action="change").filter(pk=pk).first()
        if plan is None:
            raise OutOfScope
        services.plan_submit_filing(actor=request.user, plan=plan, note=request.POST.get("note", ""))
        messages.success(request, _("The plan was submitted for filing."))
        return plan.get_absolute_url()


class PostListView(ObjectListView):
    selector = selectors.post_list
    filterset_class = PostFilterSet
    table_class = PostTable
    title = gettext_lazy("Posts")
    add_url_name = "internships:post_add"


class PostEditView(ObjectEditView):
    selector = selectors.post_list
    form_class = PostForm
    create_service = services.post_create
    update_service = services.post_update
    service_kwarg = "post"


# --- placements --------------------------------------------------------------------------------------
class PlacementListView(ObjectListView):
    selector = selectors.placement_list
    filterset_class = PlacementFilterSet
    table_class = PlacementTable
    title = gettext_lazy("Placements")

    def get_tally(self, filterset):
        from zhijiao.core import counters
        from zhijiao.core.scoping import reaches_beyond_tree

        from .models import Placement

        if reaches_beyond_tree(Placement, self.request.user):  # a mentor's or student's rows: no tally
            return None
        return counters.tally("placements", self.request.user)


class PlacementAddView(LoginRequiredMixin, View):
    def _plan(self, request, plan_pk):
        plan = selectors.plan_list(user=request.user, action="change").filter(pk=plan_pk).first()
        if plan is None:
            raise Http404
        return plan

    def get(self, request, plan_pk):
        plan = self._plan(request, plan_pk)
        form = PlacementForm(
            plan=plan, user=request.user, initial={"start_date": plan.start_date, "end_date": plan.end_date}
        )
        return render(
            request,
            "internships/form.html",
            {"title": _("Place a student"), "form": form, "cancel_url": plan.get_absolute_url()},
        )

    def post(self, request, plan_pk):
        plan = self._plan(request, plan_pk)
        form = PlacementForm(request.POST, plan=plan, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            enrolment, post = data.pop("enrolment"), data.pop("post")
            try:
                placement = services.placement_create(
                    actor=request.user, plan=plan, enrolment=enrolment, post=post, data=data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return HttpResponseRedirect(placement.get_absolute_url())
        return render(
            request,
            "internships/form.html",
            {"title": _("Place a student"), "form": form, "cancel_url": plan.get_absolute_url()},
            status=400,
        )


class PlacementDetailView(ScopedObjectMixin, View):
    selector = selectors.placement_list

    def get(self, request, pk):
        p = self.get_object()
        user = request.user
        can_change = services.is_school_side(user, p)
        context = {
            "title": str(p),
            "p": p,
            "violations": [
                v
                | {
                    "title": RULE_TITLES.get(v["rule_id"], ""),
                    "source": citation(v["rule_id"], p.start_date, p.end_date),
                }
                for v in p.violations
            ],
            "blocked": any(v.get("severity") == "block" for v in p.violations),
            "agreement": Agreement.objects.filter(placement=p).first(),
            "policies": list(p.policies.all()),
            "mentors": list(p.mentors.filter(is_current=True)),
            "checkins": list(CheckIn.objects.filter(placement=p).order_by("-occurred_at")[:20]),
            "reports": list(Report.objects.filter(placement=p).order_by("-period_start")[:20]),
            "alerts": list(p.alerts.filter(resolved_at__isnull=True)),
            "pay": list(PayRecord.objects.filter(placement=p)[:12]),
            "can_change": can_change,
            "exceptions": list(p.rule_exceptions.all()),
            "can_decide_exceptions": services.is_filing_authority(p.plan, user),
            "is_host": services.is_host_of(user, p),
            "grade_form": GradeForm(),
        }
        return render(request, "internships/placement_detail.html", context)


def _changeable(request, pk):
    p = selectors.placement_list(user=request.user).filter(pk=pk).first()
    if p is None:
        raise OutOfScope
    return p


class PlacementActivateView(_Post):
    def act(self, request, pk):
        p = _changeable(request, pk)
        placement, violations = services.placement_try_activate(actor=request.user, placement=p)
        if violations:
            messages.error(
                request, _("The placement cannot become active: %(n)s rules fail.") % {"n": len(violations)}
            )
        else:
            messages.success(request, _("The placement is active."))
        return p.get_absolute_url()


class PlacementCheckView(_Post):
    def act(self, request, pk):
        p = _changeable(request, pk)
        if not services.is_school_side(request.user, p):
            raise OutOfScope
        services.placement_check(p)
        return p.get_absolute_url()


class _PlacementFormView(LoginRequiredMixin, View):
    form_class = None
    title = ""

    def service(self, request, p, data):
        raise NotImplementedError

    def form(self, p, data=None, files=None):
        return self.form_class(data=data, files=files)

    def get(self, request, pk):
        p = _get_or_404(request, pk)
        return render(
            request,
            "internships/form.html",
            {
                "title": self.title,
                "form": self.form(p),
                "cancel_url": p.get_absolute_url(),
                "multipart": True,
            },
        )

    def post(self, request, pk):
        p = _get_or_404(request, pk)
        form = self.form(p, request.POST, request.FILES)
        if form.is_valid():
            try:
                self.service(request, p, form.cleaned_data)
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return HttpResponseRedirect(p.get_absolute_url())
        return render(
            request,
            "internships/form.html",
            {"title": self.title, "form": form, "cancel_url": p.get_absolute_url(), "multipart": True},
            status=400,
        )


def _get_or_404(request, pk):
    p = selectors.placement_list(user=request.user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


class AgreementView(_PlacementFormView):
    form_class = AgreementForm
    title = gettext_lazy("Internship agreement")

    def form(self, p, data=None, files=None):
        return AgreementForm(
            data=data,
            files=files,
            instance=Agreement.objects.filter(placement=p).first() or Agreement(placement=p),
        )

    def service(self, request, p, data):
        services.agreement_record(actor=request.user, placement=p, data=data)


class InsuranceView(_PlacementFormView):
    form_class = InsuranceForm
    title = gettext_lazy("Insurance policy")

    def service(self, request, p, data):
        services.insurance_record(actor=request.user, placement=p, data=data)


class MentorView(_PlacementFormView):
    form_class = MentorForm
    title = gettext_lazy("Mentor")

    def service(self, request, p, data):
        services.mentor_assign(actor=request.user, placement=p, **data)


class GradeView(_Post):
    def act(self, request, pk):
        p = _get_or_404(request, pk)
        form = GradeForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose one of the four grades."))
        services.evaluation_grade(
            actor=request.user,
            placement=p,
            grade=form.cleaned_data["grade"],
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("The grade was recorded."))
        return p.get_absolute_url()


class AlertListView(ObjectListView):
    selector = selectors.alert_list
    filterset_class = AlertFilterSet
    table_class = AlertTable
    title = gettext_lazy("Compliance alerts")


# --- student pages (mobile first) --------------------------------------------------------------------
class MyInternshipView(LoginRequiredMixin, View):
    def get(self, request):
        p = selectors.student_placement(user=request.user)
        context = {"title": _("My internship"), "p": p}
        if p is not None:
            today = timezone.localdate()
            context.update(
                agreement=Agreement.objects.filter(placement=p).first(),
                checkins=list(
                    CheckIn.objects.filter(
                        placement=p, occurred_at__date__gte=today - dt.timedelta(days=6)
                    ).order_by("-occurred_at")[:14]
                ),
                reports=list(Report.objects.filter(placement=p).order_by("-period_start")[:10]),
                pay=list(PayRecord.objects.filter(placement=p)[:6]),
                report_form=ReportForm(initial={"kind": "day", "period_start": today, "period_end": today}),
                direct_form=DirectReportForm(),
                mentors=list(p.mentors.filter(is_current=True)),
            )
        return render(request, "internships/my.html", context)


class CheckInView(_Post):
    """The form fallback of the check-in buttons (the API endpoint serves apps and the page's JS)."""

    def act(self, request):
        form = CheckInForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("The location could not be read; allow location access and try again."))
        d = form.cleaned_data
        result = checkin_ingest(
            actor=request.user,
            kind=d["kind"],
            occurred_at=timezone.now(),
            latitude=d["latitude"],
            longitude=d["longitude"],
            accuracy_m=d.get("accuracy_m"),
            client_key=d["client_key"],
        )
        messages.success(request, _("Checked in.") if d["kind"] == "START" else _("Checked out."))
        if not result.created:
            messages.info(request, _("This check-in was already recorded."))
        return reverse("internships:my")


class ReportCreateView(_Post):
    def act(self, request):
        p = selectors.student_placement(user=request.user)
        form = ReportForm(request.POST, request.FILES)
        if p is None or not form.is_valid():
            raise ValidationError(
                [e for errors in form.errors.values() for e in errors] or _("No placement.")
            )
        services.report_submit(actor=request.user, placement=p, data=form.cleaned_data)
        messages.success(request, _("Your report was submitted."))
        return reverse("internships:my")


class DirectReportCreateView(_Post):
    def act(self, request):
        form = DirectReportForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.direct_report_submit(actor=request.user, data=form.cleaned_data)
        messages.success(request, _("Your report was sent to the school and the education authority."))
        return reverse("internships:my")


class PayConfirmView(_Post):
    def act(self, request, pk):
        record = selectors.pay_record_list(user=request.user).filter(pk=pk).first()
        if record is None:
            raise OutOfScope
        services.pay_confirm(
            actor=request.user,
            record=record,
            received_amount=request.POST.get("received_amount") or record.amount,
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Thank you, the payment is confirmed."))
        return reverse("internships:my")


# --- mentors -----------------------------------------------------------------------------------------
class WorklistView(LoginRequiredMixin, View):
    def get(self, request):
        context = {
            "title": _("Mentor worklist"),
            **selectors.mentor_worklist(user=request.user),
            "review_form": ReviewForm(),
        }
        return render(request, "internships/worklist.html", context)


class ReportReviewView(_Post):
    def act(self, request, pk):
        report = selectors.report_list(user=request.user).filter(pk=pk).first()
        if report is None:
            raise OutOfScope
        form = ReviewForm(request.POST)
        form.is_valid()
        services.report_review(
            actor=request.user,
            report=report,
            accept=bool(form.cleaned_data.get("accept")),
            comment=form.cleaned_data.get("comment", ""),
        )
        messages.success(request, _("The review was saved."))
        return request.POST.get("next") or reverse("internships:worklist")


# --- direct reports ----------------------------------------------------------------------------------
class DirectReportListView(ObjectListView):
    selector = selectors.direct_report_list
    filterset_class = DirectReportFilterSet
    table_class = DirectReportTable
    title = gettext_lazy("Direct reports")


class DirectReportDetailView(ScopedObjectMixin, View):
    selector = selectors.direct_report_list

    def get(self, request, pk):
        report = self.get_object()
        return render(
            request,
            "internships/direct_report_detail.html",
            {
                "title": str(report),
                "r": report,
                "show_reporter": selectors.reporter_visible(user=request.user, report=report),
                "form": ResponseForm(),
            },
        )


class DirectReportRespondView(_Post):
    def act(self, request, pk):
        report = selectors.direct_report_list(user=request.user, action="change").filter(pk=pk).first()
        if report is None:
            raise OutOfScope
        form = ResponseForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Write a response."))
        services.direct_report_respond(
            actor=request.user,
            report=report,
            response=form.cleaned_data["response"],
            close=form.cleaned_data["close"],
        )
        return report.get_absolute_url()


# --- authority ---------------------------------------------------------------------------------------
def _chart(rows, label_key, value_key="n", name=""):
    return {
        "categories": [r[label_key] for r in rows],
        "series": [{"name": name, "data": [r[value_key] for r in rows]}],
    }


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        scope = user_scope(request.user)
        if not (scope.is_superuser or scope.region_paths or scope.institution_ids):
            raise PermissionDenied(_("The dashboard is for schools and education authorities."))
        data = selectors.dashboard_cached(user=request.user)
        charts = {
            "chart-city": _chart(data["by_city"], "name", name=_("Active placements")),
            "chart-school": _chart(data["by_school"], "institution__name", name=_("Active placements")),
            "chart-category": _chart(
                data["by_category"], "post__major_category__name", name=_("Active placements")
            ),
            "chart-enterprise": _chart(
                data["by_enterprise"], "enterprise__name", name=_("Active placements")
            ),
            "chart-rules": {
                # Rules by their titles: a chart label is read by people, not matched by programs.
                "categories": [
                    _(RULE_TITLES.get(r["rule_id"], r["rule_id"])) for r in data["alerts_by_rule"]
                ],
                "series": [{"name": _("Open alerts"), "data": [r["n"] for r in data["alerts_by_rule"]]}],
            },
            "chart-worst": _chart(data["worst_enterprises"], "enterprise__name", name=_("Open alerts")),
        }
        return render(
            request,
            "internships/dashboard.html",
            {"title": _("Internship dashboard"), "d": data, "charts": charts},
        )


# The 专项检查 pages are in views_inspections.py.
