"""Pages of the student registry: roster, one student (history, masked ID), the student's own
page (/students/me/) and the student's sign-in account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import (
    ObjectEditView,
    ObjectListView,
    add_service_errors,
    change_history,
    filter_querystring,
    may_create,
    safe_reverse,
)
from zhijiao.core.views.sensitive import sensitive_values

from .. import exchange, selectors, services
from ..filtersets import StudentFilterSet
from ..forms import (
    AccountCreateForm,
    AccountLinkForm,
    PhotoForm,
    StudentForm,
)
from ..models import Enrolment, Student
from ..tables import StudentTable

#: The exchange formats exported from the student list (the CHSI 学历 list is the certificates').
STUDENT_LAYOUTS = ("national_zz", "chsi_gz")


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
        user = self.request.user
        actions = [
            (_("Term registration"), reverse("students:term_registration")),
            (_("Registry statistics"), reverse("students:statistics")),
        ]
        if selectors.may_export_exchange(user):
            keys = STUDENT_LAYOUTS if selectors.has_higher_vocational(user) else ("national_zz",)
            for key in keys:
                label = exchange.LAYOUTS[key]
                actions.append(
                    (
                        _("Export: %(format)s") % {"format": label},
                        "?" + filter_querystring(self.request, export="xlsx", layout=key),
                    )
                )
        from zhijiao.core.importing import get_importer

        national = get_importer("students_national")
        if national is not None and national.available_to(user):
            actions.append(
                (
                    _("Import from the national registry system"),
                    reverse("imports:upload", args=["students_national"]),
                )
            )
        if not may_create(user, Student):
            return actions
        url = reverse("students:accounts_bulk")
        class_name = (self.request.GET.get("class_name") or "").strip()
        if class_name:  # the class the list is filtered to
            url += "?" + urlencode({"class_name": class_name})
        actions.append((_("Open accounts for a class"), url))
        actions.append((_("Import photos (ZIP)"), reverse("students:photo_import")))
        return actions

    # --- exchange formats (students.exchange): ?export=xlsx&layout=<key> ------------------------------
    def get_layout(self):
        # Also read by the background export, whose request keeps the query without ``export``.
        key = self.request.GET.get("layout")
        if not key:
            return None
        layout = exchange.layout(key) if key in STUDENT_LAYOUTS else None
        if layout is None:
            raise Http404
        if not selectors.may_export_exchange(self.request.user):
            raise PermissionDenied
        return layout

    def get_queryset(self):
        layout = self.get_layout()
        if layout is None:
            return super().get_queryset()
        # Full ID numbers leave in these files (the receiving system needs them): only the students
        # the user may change, and every export is audited (core.exports).
        return selectors.exchange_students(user=self.request.user, layout=layout.key)

    def get_export_filename(self, model) -> str:
        layout = self.get_layout()
        return layout.filename if layout is not None else super().get_export_filename(model)

    def export_headers(self) -> list[str]:
        layout = self.get_layout()
        return layout.headers() if layout is not None else super().export_headers()

    def export_rows(self, queryset):
        layout = self.get_layout()
        if layout is None:
            return super().export_rows(queryset)
        return layout.rows(queryset)


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
        "photo_url": safe_reverse("students:student_photo", student.pk) if may_change else None,
        "photo_file_url": safe_reverse("students:student_photo_file", student.pk) if student.photo else None,
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
        context.update(
            {
                "self_service": True,
                "change_url": None,
                "account_url": None,
                "list_url": None,
                "photo_url": None,
            }
        )
        return render(request, "students/student_detail.html", context)


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


class StudentPhotoView(LoginRequiredMixin, View):
    """Upload or replace the photo on a student record (printed on the certificate)."""

    def get_student(self):
        student = _get(selectors.student_list, self.request.user, self.kwargs["pk"])
        if not selectors.student_list(user=self.request.user, action="change").filter(pk=student.pk).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        return student

    def _render(self, student, form, status=200):
        return render(
            self.request,
            "students/form.html",
            {
                "form": form,
                "title": _("Photo: %(name)s") % {"name": student.name},
                "cancel_url": student.get_absolute_url(),
                "multipart": True,
            },
            status=status,
        )

    def get(self, request, pk):
        return self._render(self.get_student(), PhotoForm())

    def post(self, request, pk):
        student = self.get_student()
        form = PhotoForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(student, form, status=400)
        try:
            services.student_photo_set(actor=request.user, student=student, upload=form.cleaned_data["photo"])
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(student, form, status=400)
        messages.success(request, _("The photo was saved."))
        return HttpResponseRedirect(student.get_absolute_url())
