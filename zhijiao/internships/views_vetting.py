"""Host vetting pages: the school's on-site assessments and its published host list (教职成〔2021〕4号第七条),
the province's blacklist, and a placement's readiness record (training, outside the province, minors)."""

from __future__ import annotations

import os

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.downloads import file_download
from zhijiao.core.lifecycle import available
from zhijiao.core.lifecycle.views import transition_url
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import ObjectListView, ScopedObjectMixin, add_service_errors

from . import selectors_vetting as sel
from .forms_vetting import AssessmentEditForm, AssessmentForm, BlacklistForm, SafetyForm
from .models import BlacklistEntry, HostAssessment
from .services import safety as safety_services
from .services import vetting as services
from .views import _PlacementFormView, _Post


class _Meta:
    attrs = {"class": "table table-sm table-hover align-middle"}


class AssessmentTable(tables.Table):
    enterprise = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta(_Meta):
        model = HostAssessment
        fields = ("enterprise", "institution", "assessed_on", "status", "published_at")
        empty_text = gettext_lazy("No host assessments.")


class HostListTable(tables.Table):
    class Meta(_Meta):
        model = HostAssessment
        fields = ("enterprise", "institution", "assessed_on", "decision_reference", "published_at")
        empty_text = gettext_lazy("No host is published yet.")


_LIFT = """{% if table.can_lift and not record.lifted_on %}
<form method="post" action="{% url 'internships:blacklist_lift' record.pk %}" class="d-flex gap-1">{% csrf_token %}
<input class="form-control form-control-sm" name="reason" required placeholder="{{ reason_label }}"
 aria-label="{{ reason_label }}"><button class="btn btn-sm btn-outline-secondary">{{ lift_label }}</button></form>
{% endif %}"""


class BlacklistTable(tables.Table):
    lift = tables.TemplateColumn(
        _LIFT,
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
        extra_context={
            "lift_label": gettext_lazy("Lift from the blacklist"),
            "reason_label": gettext_lazy("reason for lifting"),
        },
    )
    can_lift = False

    class Meta(_Meta):
        model = BlacklistEntry
        fields = ("enterprise", "document_number", "listed_on", "reason", "lifted_on", "lift_reason")
        empty_text = gettext_lazy("No enterprise is on the blacklist.")


class AssessmentListView(ObjectListView):
    selector = sel.assessment_list
    table_class = AssessmentTable
    title = gettext_lazy("Host assessments")
    add_url_name = "internships:assessment_add"
    create_nodes = frozenset({"institution"})  # the school assesses; authorities read


class HostListView(ObjectListView):
    """The published host lists: each school its own, the city and the province those of their region."""

    selector = sel.host_list_published
    table_class = HostListTable
    title = gettext_lazy("Published host list")


class BlacklistView(ObjectListView):
    selector = sel.blacklist
    table_class = BlacklistTable
    title = gettext_lazy("Host blacklist")

    def get_table(self, queryset):
        table = super().get_table(queryset)
        table.can_lift = services.is_province(self.request.user)
        return table

    def get_extra_actions(self):
        if services.is_province(self.request.user):
            return [(_("Add to the blacklist"), reverse("internships:blacklist_add"))]
        return []


def _own_school(user):
    from zhijiao.orgs.models import Institution

    ids = {g.institution_id for g in user_scope(user).grants_for("change") if g.institution_id}
    return Institution.objects.get(pk=ids.pop()) if len(ids) == 1 else None


class AssessmentAddView(LoginRequiredMixin, View):
    """A school records its on-site assessment of a host with the written report."""

    def _school(self, request):
        school = _own_school(request.user)
        if school is None:
            raise Http404
        return school

    def _render(self, request, form, status=200):
        return render(
            request,
            "internships/form.html",
            {
                "title": _("Record an on-site assessment"),
                "form": form,
                "cancel_url": reverse("internships:assessment_list"),
                "multipart": True,
            },
            status=status,
        )

    def get(self, request):
        self._school(request)
        return self._render(request, AssessmentForm(user=request.user))

    def post(self, request):
        school = self._school(request)
        form = AssessmentForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                assessment = services.assessment_create(
                    actor=request.user, institution=school, data=form.cleaned_data
                )
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The assessment was recorded; the school may now approve it."))
                return HttpResponseRedirect(assessment.get_absolute_url())
        return self._render(request, form, status=400)


class AssessmentDetailView(ScopedObjectMixin, View):
    selector = sel.assessment_list

    def get(self, request, pk):
        assessment = self.get_object()
        actions = [
            (t.label, transition_url(assessment, services.ASSESSMENT_KIND, t.name))
            for t in available(services.ASSESSMENT_KIND, assessment, request.user)
        ]
        if services.may_edit(assessment, request.user):
            actions.insert(
                0, (_("Edit the draft"), reverse("internships:assessment_edit", args=[assessment.pk]))
            )
        return render(
            request,
            "internships/assessment_detail.html",
            {
                "title": str(assessment),
                "a": assessment,
                "actions": actions,
                "report_name": os.path.basename(assessment.report_file.name)
                if assessment.report_file
                and sel.assessment_reports(user=request.user).filter(pk=assessment.pk).exists()
                else "",
            },
        )


class AssessmentEditView(LoginRequiredMixin, View):
    """The school corrects its draft assessment (only while a draft, only the school that made it)."""

    def _assessment(self, request, pk):
        assessment = sel.assessment_list(user=request.user, action="change").filter(pk=pk).first()
        if assessment is None or not services.may_edit(assessment, request.user):
            raise Http404
        return assessment

    def _render(self, request, form, assessment, status=200):
        return render(
            request,
            "internships/form.html",
            {
                "title": _("Edit the draft assessment of %(host)s") % {"host": assessment.enterprise},
                "form": form,
                "cancel_url": assessment.get_absolute_url(),
                "multipart": True,
            },
            status=status,
        )

    def get(self, request, pk):
        assessment = self._assessment(request, pk)
        return self._render(request, AssessmentEditForm(instance=assessment, user=request.user), assessment)

    def post(self, request, pk):
        assessment = self._assessment(request, pk)
        form = AssessmentEditForm(
            request.POST, request.FILES, instance=HostAssessment.objects.get(pk=pk), user=request.user
        )
        if form.is_valid():
            try:
                services.assessment_update(actor=request.user, assessment=assessment, data=form.cleaned_data)
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The draft assessment was saved."))
                return HttpResponseRedirect(assessment.get_absolute_url())
        return self._render(request, form, assessment, status=400)


class AssessmentReportView(LoginRequiredMixin, View):
    """The written report of an on-site assessment, to those who may read the assessment (never /media/)."""

    def get(self, request, pk):
        assessment = sel.assessment_reports(user=request.user).filter(pk=pk).first()
        if assessment is None or not assessment.report_file:
            raise Http404
        try:
            handle = assessment.report_file.open("rb")
        except (OSError, ValueError):
            raise Http404 from None
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW_SENSITIVE,
            instance=assessment,
            message=_("Downloaded: %(what)s")
            % {"what": HostAssessment._meta.get_field("report_file").verbose_name},
        )
        return file_download(handle, os.path.basename(assessment.report_file.name))


class BlacklistAddView(LoginRequiredMixin, View):
    def _check(self, request):
        if not services.is_province(request.user):
            raise Http404

    def _render(self, request, form, status=200):
        return render(
            request,
            "internships/form.html",
            {
                "title": _("Add to the blacklist"),
                "form": form,
                "cancel_url": reverse("internships:blacklist_list"),
            },
            status=status,
        )

    def get(self, request):
        self._check(request)
        return self._render(request, BlacklistForm())

    def post(self, request):
        self._check(request)
        form = BlacklistForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.blacklist_add(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    reason=data["reason"],
                    document_number=data["document_number"],
                    listed_on=data["listed_on"],
                )
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The enterprise was put on the blacklist."))
                return HttpResponseRedirect(reverse("internships:blacklist_list"))
        return self._render(request, form, status=400)


class BlacklistLiftView(_Post):
    def act(self, request, pk):
        entry = sel.blacklist(user=request.user, action="change").filter(pk=pk).first()
        if entry is None:
            raise OutOfScope
        services.blacklist_lift(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
        messages.success(request, _("The blacklist entry was lifted."))
        return reverse("internships:blacklist_list")


class SafetyView(_PlacementFormView):
    form_class = SafetyForm
    title = gettext_lazy("Safety training and approvals")

    def form(self, p, data=None, files=None):
        return SafetyForm(data=data, instance=sel.placement_safety(p))

    def service(self, request, p, data):
        safety_services.safety_record(actor=request.user, placement=p, data=data)


class OutsideApproveView(_Post):
    def act(self, request, pk):
        from .views import _get_or_404

        p = _get_or_404(request, pk)
        safety_services.outside_approve(
            actor=request.user, placement=p, reference=request.POST.get("reference", "")
        )
        messages.success(request, _("The internship outside the province was approved."))
        return p.get_absolute_url()
