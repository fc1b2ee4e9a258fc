"""Incident 直报 pages: the school records, reports and follows up; the city and the province read."""

from __future__ import annotations

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import ObjectListView, ScopedObjectMixin, add_service_errors

from .models import Incident, Placement
from .models.incidents import IncidentStatus
from .selectors import placement_list
from .selectors_vetting import incident_list
from .services import incidents as services
from .views_vetting import _own_school


class IncidentTable(tables.Table):
    kind = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle"}
        model = Incident
        fields = (
            "kind",
            "institution",
            "occurred_at",
            "status",
            "report_due_at",
            "reported_at",
            "followup_due_at",
            "escalations",
        )
        empty_text = gettext_lazy("No incident reports.")


class IncidentForm(forms.ModelForm):
    class Meta:
        model = Incident
        fields = services.INCIDENT_FIELDS
        widgets = {
            "occurred_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "learned_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, placements=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["placement"].queryset = placements if placements is not None else Placement.objects.none()
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )


class FollowUpForm(forms.Form):
    content = forms.CharField(
        label=gettext_lazy("follow-up"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        max_length=5000,
    )
    final = forms.BooleanField(label=gettext_lazy("final report (closes the incident)"), required=False)


class IncidentListView(ObjectListView):
    selector = incident_list
    table_class = IncidentTable
    title = gettext_lazy("Incident reports")
    add_url_name = "internships:incident_add"
    create_nodes = frozenset({"institution"})  # the school reports; authorities read


class IncidentAddView(LoginRequiredMixin, View):
    def _school(self, request):
        school = _own_school(request.user)
        if school is None:
            raise Http404
        return school

    def _form(self, school, data=None):
        placements = (
            placement_list(user=self.request.user)
            .filter(institution=school)
            .select_related("enrolment__student")
            .order_by("-start_date")
        )
        return IncidentForm(data, placements=placements)

    def _render(self, request, form, status=200):
        context = {
            "title": _("Record a serious incident"),
            "form": form,
            "cancel_url": reverse("internships:incident_list"),
        }
        return render(request, "internships/form.html", context, status=status)

    def get(self, request):
        return self._render(request, self._form(self._school(request)))

    def post(self, request):
        school = self._school(request)
        form = self._form(school, request.POST)
        if form.is_valid():
            try:
                incident = services.incident_record(
                    actor=request.user, institution=school, data=form.cleaned_data
                )
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The incident was recorded: report it to the authorities before the time limit."),
                )
                return HttpResponseRedirect(incident.get_absolute_url())
        return self._render(request, form, status=400)


class IncidentDetailView(ScopedObjectMixin, View):
    selector = incident_list

    def get(self, request, pk):
        incident = self.get_object()
        can_change = incident_list(user=request.user, action="change").filter(pk=pk).exists()
        return render(
            request,
            "internships/incident_detail.html",
            {
                "title": str(incident),
                "i": incident,
                "followups": list(incident.followups.select_related("author")),
                "can_report": can_change and incident.status == IncidentStatus.DRAFT,
                "can_follow_up": can_change and incident.status == IncidentStatus.REPORTED,
                "form": FollowUpForm(),
            },
        )


class _IncidentPost(LoginRequiredMixin, View):
    def post(self, request, pk):
        incident = incident_list(user=request.user, action="change").filter(pk=pk).first()
        if incident is None:
            raise Http404
        try:
            self.act(request, incident)
        except OutOfScope:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return HttpResponseRedirect(incident.get_absolute_url())


class IncidentReportView(_IncidentPost):
    def act(self, request, incident):
        services.incident_report(actor=request.user, incident=incident)
        messages.success(request, _("The incident was reported to the city and the province."))


class IncidentFollowUpView(_IncidentPost):
    def act(self, request, incident):
        form = FollowUpForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Write what has happened since the last report."))
        services.incident_follow_up(
            actor=request.user,
            incident=incident,
            content=form.cleaned_data["content"],
            final=form.cleaned_data["final"],
        )
        messages.success(request, _("The follow-up report was sent."))
