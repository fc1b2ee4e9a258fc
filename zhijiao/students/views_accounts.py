"""Open sign-in accounts for a whole class at once and hand out a one-time sheet of initial passwords."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import render
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

from zhijiao.core.downloads import download_response
from zhijiao.core.sensitive import REGISTRY_NUMBER, mask
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import may_create

from . import selectors, services
from .choices import EnrolmentStatus
from .models import Student
from .services.accounts import bulk_accounts_max

#: Students who are still at school (a current enrolment in one of these statuses) get accounts.
ACTIVE_STATUSES = (
    EnrolmentStatus.PENDING,
    EnrolmentStatus.REGISTERED,
    EnrolmentStatus.SUSPENDED,
    EnrolmentStatus.RETAINED,
    EnrolmentStatus.PRESERVED,
)
FORMATS = ("pdf", "xlsx")


def _without_account(user, *, institution=None, class_name: str = ""):
    """Current students in the user's ``change`` scope who have no sign-in account yet."""
    current = {"enrolments__is_current": True, "enrolments__status__in": ACTIVE_STATUSES}
    if class_name:
        current["enrolments__class_name"] = class_name
    qs = selectors.student_list(user=user, action="change").filter(user__isnull=True, **current)
    if institution is not None:
        qs = qs.filter(current_institution_id=institution)
    return qs.distinct()


def _class_of(student) -> str:
    enrolment = selectors.current_enrolment(student)
    return enrolment.class_name if enrolment else ""


def _filename_part(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "-", text).strip("-") or "students"


class AccountsBulkView(LoginRequiredMixin, View):
    """GET: the students without an account, by school and class, to tick. POST: open their accounts
    and answer with the one-time sheet (PDF or XLSX) of usernames and initial passwords."""

    template_name = "students/accounts_bulk.html"
    title = gettext_lazy("Open accounts for a class")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, Student):
            raise PermissionDenied(_("You may not add records here."))
        return super().dispatch(request, *args, **kwargs)

    # --- the list -----------------------------------------------------------------------------------
    def _render(self, *, status=200, errors=(), chosen=()):
        user, params = self.request.user, self.request.GET
        class_name = (params.get("class_name") or "").strip()
        try:
            school = int(params["institution"]) if params.get("institution") else None
            if school is not None and not 0 < school < 2**63:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            school = None
            errors = [*errors, _("Choose a school from the list.")]
            status = 400
        schools = list(
            _without_account(user)
            .order_by("current_institution__name", "current_institution_id")
            .values_list("current_institution_id", "current_institution__name")
            .distinct()
        )
        classes = sorted(
            set(
                selectors.enrolment_list(user=user, action="change")
                .filter(student__in=_without_account(user, institution=school), is_current=True)
                .exclude(class_name="")
                .values_list("class_name", flat=True)
            )
        )
        limit = bulk_accounts_max()
        qs = _without_account(user, institution=school, class_name=class_name)
        students = list(qs.order_by("current_institution__name", "name", "pk")[: limit + 1])
        rows = [{"student": s, "class_name": _class_of(s)} for s in students[:limit]]
        return render(
            self.request,
            self.template_name,
            {
                "title": self.title,
                "rows": rows,
                "truncated": len(students) > limit,
                "limit": limit,
                "schools": schools,
                "multi_school": len(schools) > 1,
                "school": school,
                "classes": classes,
                "class_name": class_name,
                "errors": errors,
                "chosen": {str(c) for c in chosen},
                "format": self.request.POST.get("format") or "pdf",
            },
            status=status,
        )

    def get(self, request):
        return self._render()

    # --- open the accounts ---------------------------------------------------------------------------
    def post(self, request):
        raw = request.POST.getlist("student")
        fmt = request.POST.get("format") or "pdf"
        if fmt not in FORMATS:
            return self._render(status=400, errors=[_("Choose PDF or Excel.")], chosen=raw)
        try:
            ids = {int(v) for v in raw}
            if any(not 0 < i < 2**63 for i in ids):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            return self._render(status=400, errors=[_("The list of students is not valid.")])
        if not ids:
            return self._render(status=400, errors=[_("Choose at least one student.")])
        students = list(_without_account(request.user).filter(pk__in=ids).order_by("name", "pk"))
        if len(students) != len(ids):
            return self._render(
                status=400,
                errors=[
                    _(
                        "Some of the chosen students are outside your organisation or already have an account; "
                        "no account was created. Reload the list and choose again."
                    )
                ],
                chosen=raw,
            )
        try:
            # The sheet is built inside the transaction: if it cannot be produced, no account is
            # left behind whose initial password nobody has seen.
            with transaction.atomic():
                triples = services.student_accounts_bulk_create(actor=request.user, students=students)
                response = self.sheet(triples, fmt)
        except OutOfScope:
            return self._render(
                status=400,
                errors=[_("Some of the chosen students are outside your organisation.")],
                chosen=raw,
            )
        except ValidationError as exc:
            return self._render(status=400, errors=exc.messages, chosen=raw)
        response["Cache-Control"] = "no-store"
        return response

    def sheet(self, triples, fmt: str):
        rows = [
            {
                "name": student.name,
                # The one-time sheet goes on paper to a class: the 学籍号 (it holds the ID) masked.
                "registry_number": mask(REGISTRY_NUMBER, student.registry_number) or "",
                "class_name": _class_of(student),
                "school": student.current_institution.name,
                "username": user.username,
                "password": password,
            }
            for student, user, password in triples
        ]
        rows.sort(key=lambda r: (r["school"], r["class_name"], r["name"], r["username"]))
        schools = sorted({r["school"] for r in rows})
        classes = sorted({r["class_name"] for r in rows if r["class_name"]})
        today = timezone.localdate()
        label = classes[0] if len(classes) == 1 else "students"
        filename = f"accounts-{_filename_part(label)}-{today.isoformat()}.{fmt}"
        login_url = self.request.build_absolute_uri(reverse(settings.LOGIN_URL))
        if fmt == "xlsx":
            from zhijiao.core.tabular import xlsx_response

            return xlsx_response(
                filename=filename,
                headers=[
                    _("School"),
                    _("Class"),
                    pgettext("person", "Name"),
                    _("Student registry number"),
                    _("Username"),
                    _("Initial password"),
                ],
                rows=[
                    [
                        r["school"],
                        r["class_name"],
                        r["name"],
                        r["registry_number"],
                        r["username"],
                        r["password"],
                    ]
                    for r in rows
                ],
                sheet_title=_("Accounts"),
            )
        from zhijiao.core import pdf

        html = get_template("students/accounts_sheet_pdf.html").render(
            {"rows": rows, "schools": schools, "classes": classes, "login_url": login_url, "date": today}
        )
        return download_response(pdf.render_pdf(html), filename, content_type="application/pdf")
