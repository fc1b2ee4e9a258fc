"""Pages of graduation lists."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import (
    ObjectListView,
    may_create,
    safe_reverse,
)

from .. import selectors, services
from ..choices import EnrolmentStatus, Grade, GraduationOutcome
from ..filtersets import GraduationListFilterSet
from ..forms import (
    GraduationCriteriaForm,
)
from ..models import Graduation, GraduationList
from ..tables import GraduationListTable
from .registration import _ApprovalPageView


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
