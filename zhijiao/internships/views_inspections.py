"""Pages of 专项检查: list, launch (authority), detail with the roll-up and charts, answer (school),
finding and close (inspector), evidence download, and the report as XLSX and PDF.

Reads go through ``selectors_inspections`` (scoped); writes through ``services.inspections``.
Anything the user may not see is a 404; a user who sees an inspection but is not its inspector
gets a 403 on the inspector's pages.
"""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from zhijiao.core.downloads import file_download
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import add_service_errors

from . import inspection_report as report
from . import selectors_inspections as selectors
from .choices import FindingResult, InspectionStatus
from .forms_inspections import (
    InspectionAnswerForm,
    InspectionFindingForm,
    InspectionLaunchForm,
    launch_regions,
)
from .services import inspections as services


def _inspection(request, pk):
    inspection = selectors.inspection_list(user=request.user).filter(pk=pk).first()
    if inspection is None:
        raise Http404
    return inspection


def _item(request, pk):
    item = (
        selectors.inspection_item_list(user=request.user)
        .select_related("institution__region__parent")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def _items(request, inspection):
    return selectors.inspection_items(user=request.user, inspection=inspection).select_related(
        "institution__region__parent"
    )


class InspectionListView(LoginRequiredMixin, View):
    def get(self, request):
        inspections = selectors.inspection_list(user=request.user).order_by("-created_at")[:100]
        return render(
            request,
            "internships/inspections.html",
            {
                "title": _("Special inspections"),
                "inspections": inspections,
                "can_launch": launch_regions(request.user).exists(),
            },
        )


class InspectionLaunchView(LoginRequiredMixin, View):
    template_name = "internships/inspection_launch.html"

    def _form(self, request, data=None):
        if not launch_regions(request.user).exists():
            raise PermissionDenied(_("Only the education authorities launch inspections."))
        return InspectionLaunchForm(data, user=request.user)

    def _render(self, request, form, status=200):
        return render(
            request, self.template_name, {"title": _("Launch an inspection"), "form": form}, status=status
        )

    def get(self, request):
        return self._render(request, self._form(request))

    def post(self, request):
        form = self._form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                inspection = services.inspection_launch(
                    actor=request.user,
                    region=d["region"],
                    title=d["title"],
                    answer_due=d["answer_due"],
                    sample_size=d["sample_size"],
                    rule_ids=list(d["rule_ids"]),
                    institutions=list(d["institutions"]),
                )
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The inspection was launched with %(n)s sampled items.")
                    % {"n": inspection.items.count()},
                )
                return HttpResponseRedirect(inspection.get_absolute_url())
        return self._render(request, form, status=400)


class InspectionDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        inspection = _inspection(request, pk)
        items = _items(request, inspection)
        if request.GET.get("export") == "xlsx":
            return _report(request, inspection, items, "xlsx")
        summary = report.inspection_summary(inspection, items)
        inspector = services.is_inspector(request.user, inspection)
        is_open = inspection.status == InspectionStatus.OPEN
        for item in summary["items"]:
            school = services.is_school_side(request.user, item)
            item.can_answer = school and is_open and item.result == FindingResult.PENDING
            item.can_rectify = (
                school and item.result == FindingResult.NON_COMPLIANT and item.rectified_at is None
            )
            item.can_find = inspector and is_open
        return render(
            request,
            "internships/inspection_detail.html",
            {
                "title": inspection.title,
                "i": inspection,
                "s": summary,
                "items": summary["items"],
                "charts": report.report_charts(summary),
                "inspector": inspector,
                "is_open": is_open,
            },
        )


def _report(request, inspection, items, kind: str):
    summary = report.inspection_summary(inspection, items)
    services.inspection_report_exported(actor=request.user, inspection=inspection, kind=kind)
    if kind == "pdf":
        return report.pdf_response(inspection, summary, request=request)
    return report.xlsx_response(inspection, summary)


class InspectionReportView(LoginRequiredMixin, View):
    """The roll-up as XLSX or PDF, of the items the user may see."""

    def get(self, request, pk, kind):
        if kind not in ("xlsx", "pdf"):
            raise Http404
        inspection = _inspection(request, pk)
        return _report(request, inspection, _items(request, inspection), kind)


class _ItemFormView(LoginRequiredMixin, View):
    template_name = ""
    title = ""

    def allowed(self, request, item) -> bool:
        raise NotImplementedError

    def form(self, item, data=None, files=None):
        raise NotImplementedError

    def save(self, request, item, data) -> None:
        raise NotImplementedError

    def _get(self, request, pk):
        item = _item(request, pk)
        if not self.allowed(request, item):
            raise PermissionDenied(_("You may view this record but not change it."))
        return item

    def _render(self, request, item, form, status=200):
        return render(
            request,
            self.template_name,
            {"title": self.title, "item": item, "i": item.inspection, "form": form},
            status=status,
        )

    def get(self, request, pk):
        item = self._get(request, pk)
        return self._render(request, item, self.form(item))

    def post(self, request, pk):
        item = self._get(request, pk)
        form = self.form(item, request.POST, request.FILES)
        if form.is_valid():
            try:
                self.save(request, item, form.cleaned_data)
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return HttpResponseRedirect(item.inspection.get_absolute_url())
        return self._render(request, item, form, status=400)


class InspectionAnswerView(_ItemFormView):
    template_name = "internships/inspection_answer.html"

    @property
    def title(self):
        return _("Answer the inspection")

    def allowed(self, request, item):
        return services.is_school_side(request.user, item)

    def form(self, item, data=None, files=None):
        return InspectionAnswerForm(data, files, initial={"school_answer": item.school_answer})

    def save(self, request, item, data):
        services.inspection_answer(
            actor=request.user, item=item, answer=data["school_answer"], evidence=data.get("evidence")
        )
        messages.success(request, _("Your answer was saved."))


class InspectionFindingView(_ItemFormView):
    template_name = "internships/inspection_finding.html"

    @property
    def title(self):
        return _("Record the finding")

    def allowed(self, request, item):
        return services.is_inspector(request.user, item.inspection)

    def form(self, item, data=None, files=None):
        initial = {
            "result": item.result if item.result != FindingResult.PENDING else None,
            "failed_rules": item.failed_rules,
            "note": item.finding_note,
            "rectification_due": item.rectification_due,
        }
        return InspectionFindingForm(data, inspection=item.inspection, initial=initial)

    def save(self, request, item, data):
        services.inspection_finding(
            actor=request.user,
            item=item,
            result=data["result"],
            note=data.get("note", ""),
            failed_rules=data.get("failed_rules") or [],
            rectification_due=data.get("rectification_due"),
        )
        messages.success(request, _("The finding was recorded."))


class InspectionRectifyView(_ItemFormView):
    template_name = "internships/inspection_answer.html"

    @property
    def title(self):
        return _("Report the rectification")

    def allowed(self, request, item):
        return services.is_school_side(request.user, item)

    def form(self, item, data=None, files=None):
        return InspectionAnswerForm(data, files)

    def save(self, request, item, data):
        services.inspection_rectify(
            actor=request.user, item=item, answer=data["school_answer"], evidence=data.get("evidence")
        )
        messages.success(request, _("The rectification was reported."))


class InspectionCloseView(LoginRequiredMixin, View):
    def post(self, request, pk):
        inspection = _inspection(request, pk)
        if not services.is_inspector(request.user, inspection):
            raise PermissionDenied(_("You may view this record but not change it."))
        try:
            services.inspection_close(actor=request.user, inspection=inspection)
        except OutOfScope:
            raise Http404 from None
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The inspection is closed."))
        return HttpResponseRedirect(inspection.get_absolute_url())


class InspectionEvidenceView(LoginRequiredMixin, View):
    """Evidence files are private: served only through the scoped item, never from /media/."""

    def get(self, request, pk):
        item = _item(request, pk)
        if not item.evidence:
            raise Http404
        try:
            fh = item.evidence.open("rb")
        except (OSError, ValueError):
            raise Http404 from None
        return file_download(fh, os.path.basename(item.evidence.name))
