"""Pages of the student registry: roster, one student (history, masked ID), registration batches,
status changes, graduation lists, and the student's own page (/students/me/)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.sensitive import REGISTRY_NUMBER, mask
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import (
    ObjectEditView,
    ObjectListView,
    add_service_errors,
    change_history,
    may_create,
    safe_reverse,
)
from zhijiao.core.views.sensitive import sensitive_values
from zhijiao.workflows.views import apply_decision, decision_context

from . import selectors, services
from .choices import EnrolmentStatus, Grade, GraduationOutcome
from .filtersets import BatchFilterSet, GraduationListFilterSet, StatusChangeFilterSet, StudentFilterSet
from .forms import (
    AccountCreateForm,
    AccountLinkForm,
    BatchForm,
    GraduationCriteriaForm,
    OverrideForm,
    StatusChangeForm,
    StudentForm,
)
from .models import Enrolment, Graduation, GraduationList, Student
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

    def get_tally(self, filterset):
        from zhijiao.core import counters

        return counters.tally("students", self.request.user)

    def get_extra_actions(self) -> list[tuple[str, str]]:
        if not may_create(self.request.user, Student):
            return []
        url = reverse("students:accounts_bulk")
        class_name = (self.request.GET.get("class_name") or "").strip()
        if class_name:  # the class the list is filtered to
            url += "?" + urlencode({"class_name": class_name})
        return [(_("Open accounts for a class"), url)]


def _get(selector, user, pk, **kw):
    try:
        return selector(user=user, **kw).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404


class StudentDetailView(LoginRequiredMixin, View):
    """ID number, 学籍号 and phone numbers masked; school and authority roles may reveal one in full
    (``?reveal=<field>``, audited — ``core.views.sensitive``)."""

    template_name = "students/student_detail.html"

    def get(self, request, pk):
        student = _get(selectors.student_list, request.user, pk)
        return render(request, self.template_name, student_context(request, student))


def student_context(request, student, *, allow_reveal=True) -> dict:
    enrolment = selectors.current_enrolment(student)
    may_change = selectors.student_list(user=request.user, action="change").filter(pk=student.pk).exists()
    return {
        "object": student,
        "title": student.name,
        "sensitive": sensitive_values(request, student, allow_reveal=allow_reveal),
        "enrolment": enrolment,
        "enrolments": selectors.enrolment_history(student),
        "changes": selectors.status_change_history(student),
        # Earlier schools' changes are listed, but linked only where this user may open them.
        "openable_change_ids": set(
            selectors.status_change_list(user=request.user)
            .filter(student=student)
            .values_list("pk", flat=True)
        ),
        "graduations": selectors.graduation_history(student),
        "eligible_internship": selectors.student_is_eligible_for_internship(student),
        "history": change_history(student),
        "change_url": safe_reverse("students:change_add", student.pk) if may_change and enrolment else None,
        "account_url": safe_reverse("students:student_account", student.pk) if may_change else None,
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
        context = student_context(request, student, allow_reveal=False)
        context.update({"self_service": True, "change_url": None, "account_url": None, "list_url": None})
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
        enrolments = list(
            batch.enrolments.select_related("student", "offering__major").order_by(
                "class_name", "student__name"
            )
        )
        for e in enrolments:
            # 学籍号 embeds the ID number: masked in lists, as on the roster (PIPL).
            e.registry_masked = mask(REGISTRY_NUMBER, e.student.registry_number) or ""
        return {
            "enrolments": enrolments,
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
        return self._render(StatusChangeForm(user=request.user), student)

    def post(self, request, pk):
        student = self.get_student()
        form = StatusChangeForm(request.POST, request.FILES, user=request.user)
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
    add_url_name = "students:graduation_list_add"


class GraduationListDetailView(_ApprovalPageView):
    selector = selectors.graduation_list_list
    template_name = "students/graduation_list_detail.html"

    def extra_context(self, glist):
        changeable = (
            selectors.graduation_list_list(user=self.request.user, action="change")
            .filter(pk=glist.pk)
            .exists()
        )
        from django.db.models import Prefetch

        # The certificates app declares Certificate.graduation; reading it through that relation keeps
        # the registry from importing the app above it.
        certificates = Graduation._meta.get_field("certificates").related_model
        graduations = glist.graduations.select_related("enrolment__student").prefetch_related(
            Prefetch(
                "certificates",
                queryset=certificates.objects.filter(is_current=True).only("id", "number", "graduation_id"),
                to_attr="current_certificates",
            )
        )
        graduations = list(graduations.order_by("enrolment__student__name"))
        awaiting = any(
            g.status == Graduation.Status.APPROVED and not g.current_certificates for g in graduations
        )
        return {
            "graduations": graduations,
            "may_submit": changeable and glist.status == "draft",
            "issue_url": safe_reverse("credentials:issue") if changeable and awaiting else None,
            "eligible_count": sum(1 for g in graduations if not g.ineligible_reasons),
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


class GraduationListAddView(LoginRequiredMixin, View):
    """The school proposes a graduation list: pick the students (school, cohort, major, class),
    record credits and appraisals per student, see who is eligible and why not, then create it.

    The criteria come from the query string; the entries are posted. "Check" (and every HTMX
    change of an entry) recomputes eligibility with ``services.graduation_problems`` and writes
    nothing; "Create" calls ``services.graduation_list_create``.
    """

    template_name = "students/graduation_list_add.html"
    # An HTMX recheck swaps only the eligibility cells, the summary and the errors (out of band), so
    # the inputs a user changes while a request is in flight are never overwritten.
    partial_template_name = "students/partials/graduation_recheck.html"
    # Enrolments that may still be proposed (graduated, withdrawn, transferred out: never again).
    CANDIDATE_STATUSES = (
        EnrolmentStatus.REGISTERED,
        EnrolmentStatus.RETAINED,
        EnrolmentStatus.SUSPENDED,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.PENDING,
        EnrolmentStatus.PRESERVED,
    )
    MAX_CANDIDATES = 1000

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, GraduationList):
            raise PermissionDenied(_("You may not add records here."))
        return super().dispatch(request, *args, **kwargs)

    def criteria_form(self):
        today = timezone.localdate()
        data = self.request.GET if "institution" in self.request.GET else None
        form = GraduationCriteriaForm(
            data,
            user=self.request.user,
            initial={"year": today.year, "graduation_date": datetime.date(today.year, 7, 1)},
        )
        if data is None:
            schools = list(form.fields["institution"].queryset[:2])
            if len(schools) == 1:
                form.initial["institution"] = schools[0].pk
        return form

    def candidates(self, criteria: dict) -> list:
        qs = (
            selectors.enrolment_list(user=self.request.user, action="change")
            .filter(institution=criteria["institution"], is_current=True, status__in=self.CANDIDATE_STATUSES)
            .order_by("class_name", "student__name", "pk")
        )
        if criteria.get("cohort_year"):
            qs = qs.filter(cohort_year=criteria["cohort_year"])
        if criteria.get("offering"):
            qs = qs.filter(offering=criteria["offering"])
        if criteria.get("class_name"):
            qs = qs.filter(class_name=criteria["class_name"])
        return list(qs[: self.MAX_CANDIDATES + 1])

    def rows(self, enrolments, criteria, posted=None) -> tuple[list[dict], list[str]]:
        """One row per candidate with its entry values and eligibility problems; plus input errors."""
        completions = selectors.approved_completions(enrolments)
        approved = services.approved_decisions(e.pk for e in enrolments)
        grades = {} if posted is not None else _internship_grades(enrolments)
        included = set(posted.getlist("include")) if posted is not None else None
        rows, errors = [], []
        outcomes, grade_values = set(GraduationOutcome.values), set(Grade.values) | {""}
        for e in enrolments:
            key = str(e.pk)
            if posted is None:
                entry = {
                    "include": e.status != EnrolmentStatus.PENDING,
                    "outcome": GraduationOutcome.GRADUATED,
                    "credits_complete": False,
                    "internship_grade": grades.get(e.pk, ""),
                    "conduct_grade": "",
                }
            else:
                entry = {
                    "include": key in included,
                    "outcome": posted.get(f"outcome-{key}", GraduationOutcome.GRADUATED),
                    "credits_complete": posted.get(f"credits-{key}") == "1",
                    "internship_grade": posted.get(f"internship-{key}", ""),
                    "conduct_grade": posted.get(f"conduct-{key}", ""),
                }
                if (
                    entry["outcome"] not in outcomes
                    or not {
                        entry["internship_grade"],
                        entry["conduct_grade"],
                    }
                    <= grade_values
                ):
                    errors.append(_("%(student)s: choose a listed value.") % {"student": e.student.name})
                    entry.update(outcome=GraduationOutcome.GRADUATED, internship_grade="", conduct_grade="")
            replaces = completions.get(e.pk) if entry["outcome"] == GraduationOutcome.GRADUATED else None
            grad = Graduation(
                enrolment=e,
                outcome=entry["outcome"],
                graduation_date=criteria["graduation_date"],
                credits_complete=entry["credits_complete"],
                internship_grade=entry["internship_grade"],
                conduct_grade=entry["conduct_grade"],
                replaces=replaces,
            )
            entry.update(
                enrolment=e,
                replaces=replaces,
                problems=services.graduation_problems(grad, approved=approved),
            )
            rows.append(entry)
        if posted is not None:
            known = {str(e.pk) for e in enrolments}
            if included - known:
                errors.append(
                    _("A chosen student is not among this school's candidates; show the students again.")
                )
        return rows, errors

    def render_page(self, form, rows=None, errors=(), status=200, partial=False):
        context = {
            "title": _("New graduation list"),
            "form": form,
            "rows": rows,
            "errors": list(errors),
            "truncated": rows is not None and len(rows) > self.MAX_CANDIDATES,
            "outcomes": GraduationOutcome.choices,
            "grades": Grade.choices,
            "eligible_count": sum(1 for r in rows or () if r["include"] and not r["problems"]),
            "included_count": sum(1 for r in rows or () if r["include"]),
            "cancel_url": safe_reverse("students:graduation_list_list"),
        }
        if rows is not None and len(rows) > self.MAX_CANDIDATES:
            context["rows"] = rows[: self.MAX_CANDIDATES]
        template = self.partial_template_name if partial else self.template_name
        return render(self.request, template, context, status=status)

    def get(self, request):
        form = self.criteria_form()
        if not form.is_bound or not form.is_valid():
            return self.render_page(form)
        criteria = form.cleaned_data
        rows, _errors = self.rows(self.candidates(criteria), criteria)
        return self.render_page(form, rows)

    def post(self, request):
        form = self.criteria_form()
        if not form.is_bound or not form.is_valid():
            return self.render_page(form, status=400)
        criteria = form.cleaned_data
        enrolments = self.candidates(criteria)[: self.MAX_CANDIDATES]
        rows, errors = self.rows(enrolments, criteria, posted=request.POST)
        partial = bool(request.htmx) and "create" not in request.POST
        if "create" not in request.POST or errors:
            status = 400 if errors and not partial else 200
            return self.render_page(form, rows, errors, status=status, partial=partial)
        entries = [
            {
                "enrolment": r["enrolment"],
                "outcome": r["outcome"],
                "credits_complete": r["credits_complete"],
                "internship_grade": r["internship_grade"],
                "conduct_grade": r["conduct_grade"],
                "replaces": r["replaces"],
            }
            for r in rows
            if r["include"]
        ]
        try:
            glist = services.graduation_list_create(
                actor=request.user,
                institution=criteria["institution"],
                year=criteria["year"],
                graduation_date=criteria["graduation_date"],
                entries=entries,
            )
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            return self.render_page(form, rows, exc.messages, status=400)
        messages.success(request, _("The graduation list was created; check it and submit it for approval."))
        return HttpResponseRedirect(glist.get_absolute_url())


def _internship_grades(enrolments) -> dict:
    """The school's latest post-internship grade per enrolment, to prefill the entries (one query).

    The grades come from the apps that record them (``AppConfig.enrolment_grades``: internships).
    """
    from zhijiao.core.contributions import contributed_callables

    ids = [e.pk for e in enrolments]
    found: dict = {}
    for grades_for in contributed_callables("enrolment_grades"):
        for key, grade in grades_for(ids).items():
            found.setdefault(key, grade)
    return {k: v if v in Grade.values else "" for k, v in found.items()}


# --- the student's sign-in account -------------------------------------------------------------------
class StudentAccountView(LoginRequiredMixin, View):
    """Link (or unlink) the sign-in account a student uses for the self-service pages."""

    template_name = "students/student_account.html"

    def get_student(self):
        student = _get(selectors.student_list, self.request.user, self.kwargs["pk"])
        if not selectors.student_list(user=self.request.user, action="change").filter(pk=student.pk).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        return student

    def _render(self, student, form, status=200, create_form=None):
        return render(
            self.request,
            self.template_name,
            {
                "object": student,
                "title": _("Student account: %(name)s") % {"name": student.name},
                "form": form,
                "create_form": create_form or AccountCreateForm(),
                "account": student.user,
                "cancel_url": student.get_absolute_url(),
            },
            status=status,
        )

    def get(self, request, pk):
        return self._render(self.get_student(), AccountLinkForm())

    def post(self, request, pk):
        student = self.get_student()
        if "create" in request.POST:
            return self._create(student)
        if "unlink" in request.POST:
            user, form = None, AccountLinkForm()
        else:
            form = AccountLinkForm(request.POST)
            if not form.is_valid():
                return self._render(student, form, status=400)
            user = _student_account(form.cleaned_data["username"])
            if user is None:
                form.add_error("username", _("There is no student account with this username."))
                return self._render(student, form, status=400)
        try:
            services.student_link_account(actor=request.user, student=student, user=user)
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(student, form, status=400)
        if user is None:
            messages.success(request, _("The account was unlinked."))
        else:
            messages.success(request, _("The account %(username)s was linked.") % {"username": user.username})
        return HttpResponseRedirect(student.get_absolute_url())

    def _create(self, student):
        form = AccountCreateForm(self.request.POST)
        if not form.is_valid():
            return self._render(student, AccountLinkForm(), status=400, create_form=form)
        try:
            user = services.student_account_create(
                actor=self.request.user,
                student=student,
                username=form.cleaned_data["new_username"],
                password=form.cleaned_data["password1"],
            )
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "username" in exc.error_dict:
                exc = ValidationError({"new_username": exc.error_dict.pop("username"), **exc.error_dict})
            if hasattr(exc, "error_dict") and "password" in exc.error_dict:
                exc = ValidationError({"password1": exc.error_dict.pop("password"), **exc.error_dict})
            add_service_errors(form, exc)
            return self._render(student, AccountLinkForm(), status=400, create_form=form)
        messages.success(
            self.request,
            _("The account %(username)s was created and linked; give the student the initial password.")
            % {"username": user.username},
        )
        return HttpResponseRedirect(student.get_absolute_url())


def _student_account(username: str):
    """An active account without roles, by username; staff accounts are not told apart from none."""
    from django.contrib.auth import get_user_model

    from zhijiao.core.validators import normalize_text

    name = normalize_text(username or "")
    if not name:
        return None
    return (
        get_user_model()
        .objects.filter(
            username__iexact=name, is_active=True, is_superuser=False, role_assignments__isnull=True
        )
        .first()
    )
