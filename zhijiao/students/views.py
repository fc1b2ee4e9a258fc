"""Pages of the student registry: roster, one student (history, masked ID), registration batches,
status changes, graduation lists, and the student's own page (/students/me/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.services import OutOfScope
from zhijiao.core.validators import mask_phone, mask_resident_id
from zhijiao.core.views.generic import (
    ObjectEditView,
    ObjectListView,
    add_service_errors,
    change_history,
    may_create,
    safe_reverse,
)
from zhijiao.workflows.views import apply_decision, decision_context

from . import selectors, services
from .filtersets import BatchFilterSet, GraduationListFilterSet, StatusChangeFilterSet, StudentFilterSet
from .forms import BatchForm, OverrideForm, StatusChangeForm, StudentForm
from .models import Enrolment
from .tables import BatchTable, GraduationListTable, StatusChangeTable, StudentTable


class StudentListView(ObjectListView):
    selector = selectors.student_list
    filterset_class = StudentFilterSet
    table_class = StudentTable
    title = gettext_lazy("Students")
    exporter = "zhijiao.students.importers.StudentImporter"
    import_kind = "students"
    add_url_name = "students:student_add"
    create_nodes = Enrolment.scope_change_nodes


def _get(selector, user, pk, **kw):
    try:
        return selector(user=user, **kw).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404


class StudentDetailView(LoginRequiredMixin, View):
    """ID and phone numbers masked; school and authority roles may reveal the ID number (audited)."""

    template_name = "students/student_detail.html"

    def get(self, request, pk):
        student = _get(selectors.student_list, request.user, pk)
        may_reveal = selectors.may_see_full_id(request.user, student)
        reveal = may_reveal and request.GET.get("reveal") == "id"
        if reveal:
            services.audit_sensitive_view(actor=request.user, student=student)
        return render(
            request,
            self.template_name,
            student_context(request, student, reveal=reveal, may_reveal=may_reveal),
        )


def student_context(request, student, *, reveal=False, may_reveal=False) -> dict:
    enrolment = selectors.current_enrolment(student)
    may_change = selectors.student_list(user=request.user, action="change").filter(pk=student.pk).exists()
    return {
        "object": student,
        "title": student.name,
        "id_number": student.id_number if reveal else mask_resident_id(student.id_number),
        "revealed": reveal,
        "may_reveal": may_reveal and not reveal,
        "phone": mask_phone(student.phone),
        "guardian_phone": mask_phone(student.guardian_phone),
        "enrolment": enrolment,
        "enrolments": selectors.enrolment_history(student),
        "changes": selectors.status_change_history(student),
        "graduations": selectors.graduation_history(student),
        "eligible_internship": selectors.student_is_eligible_for_internship(student),
        "history": change_history(student),
        "change_url": safe_reverse("students:change_add", student.pk) if may_change and enrolment else None,
        "list_url": safe_reverse("students:student_list"),
    }


class StudentAddView(ObjectEditView):
    selector = selectors.student_list
    form_class = StudentForm
    create_service = services.student_create
    list_url_name = "students:student_list"
    create_nodes = Enrolment.scope_change_nodes

    def get(self, request, *args, **kwargs):
        self._check_create_allowed()
        return self._render(self.get_form())


class MyRecordView(LoginRequiredMixin, View):
    """The signed-in student's own record and history (no ID number in full, no audit needed)."""

    def get(self, request):
        student = selectors.student_for_user(request.user)
        if student is None:
            raise Http404
        context = student_context(request, student)
        context.update({"self_service": True, "change_url": None, "list_url": None})
        return render(request, "students/student_detail.html", context)


# --- registration batches --------------------------------------------------------------------------
class BatchListView(ObjectListView):
    selector = selectors.batch_list
    filterset_class = BatchFilterSet
    table_class = BatchTable
    title = gettext_lazy("Registration batches")
    add_url_name = "students:batch_add"


class BatchAddView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, Enrolment):
            raise PermissionDenied(_("You may not add records here."))
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form):
        return render(
            self.request,
            "students/form.html",
            {
                "form": form,
                "title": _("New registration batch"),
                "cancel_url": safe_reverse("students:batch_list"),
            },
        )

    def get(self, request):
        return self._render(BatchForm(user=request.user))

    def post(self, request):
        form = BatchForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form)
        try:
            batch = services.batch_create(actor=request.user, **form.cleaned_data)
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(form)
        messages.success(request, _("The batch was created."))
        return HttpResponseRedirect(batch.get_absolute_url())


class _ApprovalPageView(LoginRequiredMixin, View):
    selector = None
    template_name = ""

    def get_object(self):
        return _get(type(self).selector, self.request.user, self.kwargs["pk"])

    def extra_context(self, obj) -> dict:
        return {}

    def render_page(self, obj, *, error=None, status=200):
        context = {"object": obj, "title": str(obj), "error": error}
        if obj.approval_id:
            context.update(decision_context(self.request, obj.approval))
        context.update(self.extra_context(obj))
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(self.get_object())

    def post(self, request, pk):
        obj = self.get_object()
        error = self.handle(obj)
        if error:
            obj = self.get_object()
            return self.render_page(obj, error=error)
        return HttpResponseRedirect(request.path)

    def handle(self, obj):
        if "decision" in self.request.POST and obj.approval_id:
            return apply_decision(self.request, obj.approval)
        return _("Choose a decision.")


class BatchDetailView(_ApprovalPageView):
    selector = selectors.batch_list
    template_name = "students/batch_detail.html"

    def extra_context(self, batch):
        from zhijiao.core.scoping import user_scope

        changeable = (
            selectors.batch_list(user=self.request.user, action="change").filter(pk=batch.pk).exists()
        )
        return {
            "enrolments": batch.enrolments.select_related("student", "offering__major").order_by(
                "class_name", "student__name"
            ),
            "may_submit": changeable and batch.status == "draft",
            "may_override": changeable
            and user_scope(self.request.user).is_province
            and batch.status == "draft",
            "override_form": OverrideForm(),
        }

    def handle(self, batch):
        try:
            if "submit" in self.request.POST:
                services.batch_submit(actor=self.request.user, batch=batch)
                messages.success(self.request, _("The batch was submitted for review."))
                return None
            if "override" in self.request.POST:
                form = OverrideForm(self.request.POST)
                reason = form.data.get("override_reason", "")
                services.batch_override_deadline(actor=self.request.user, batch=batch, reason=reason)
                messages.success(self.request, _("Late registration allowed."))
                return None
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            return " ".join(exc.messages)
        return super().handle(batch)


# --- status changes --------------------------------------------------------------------------------
class StatusChangeListView(ObjectListView):
    selector = selectors.status_change_list
    filterset_class = StatusChangeFilterSet
    table_class = StatusChangeTable
    title = gettext_lazy("Status changes")


class StatusChangeDetailView(_ApprovalPageView):
    selector = selectors.status_change_list
    template_name = "students/change_detail.html"

    def extra_context(self, change):
        return {"attachments": list(change.attachments.all())}


class StatusChangeAddView(LoginRequiredMixin, View):
    def get_student(self):
        student = _get(selectors.student_list, self.request.user, self.kwargs["pk"])
        if not selectors.student_list(user=self.request.user, action="change").filter(pk=student.pk).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        return student

    def _render(self, form, student):
        return render(
            self.request,
            "students/form.html",
            {
                "form": form,
                "title": _("Status change: %(name)s") % {"name": student.name},
                "cancel_url": student.get_absolute_url(),
                "multipart": True,
            },
        )

    def get(self, request, pk):
        student = self.get_student()
        return self._render(StatusChangeForm(), student)

    def post(self, request, pk):
        student = self.get_student()
        form = StatusChangeForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, student)
        data = dict(form.cleaned_data)
        data.pop("attachments", None)
        try:
            change = services.status_change_request(
                actor=request.user, student=student, attachments=request.FILES.getlist("attachments"), **data
            )
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(form, student)
        messages.success(request, _("The request was submitted."))
        return HttpResponseRedirect(change.get_absolute_url())


# --- graduation lists ------------------------------------------------------------------------------
class GraduationListListView(ObjectListView):
    selector = selectors.graduation_list_list
    filterset_class = GraduationListFilterSet
    table_class = GraduationListTable
    title = gettext_lazy("Graduation lists")


class GraduationListDetailView(_ApprovalPageView):
    selector = selectors.graduation_list_list
    template_name = "students/graduation_list_detail.html"

    def extra_context(self, glist):
        changeable = (
            selectors.graduation_list_list(user=self.request.user, action="change")
            .filter(pk=glist.pk)
            .exists()
        )
        return {
            "graduations": glist.graduations.select_related("enrolment__student").order_by(
                "enrolment__student__name"
            ),
            "may_submit": changeable and glist.status == "draft",
        }

    def handle(self, glist):
        if "submit" in self.request.POST:
            try:
                services.graduation_list_submit(actor=self.request.user, graduation_list=glist)
            except OutOfScope:
                raise Http404
            except ValidationError as exc:
                return " ".join(exc.messages)
            messages.success(self.request, _("The list was submitted for review."))
            return None
        return super().handle(glist)
