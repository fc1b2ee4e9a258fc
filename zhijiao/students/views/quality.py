"""学期注册 and data-quality reports: who is registered this term, 人籍分离, possible duplicates and
students not back after a 休学 (退学 candidates)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from zhijiao.core import rules as registry

from .. import selectors, services
from ..choices import SchoolTerm


def current_term(today) -> tuple[int, str]:
    """The school year and term ``today`` falls in (term starts: ``STUDENT_TERM_STARTS``)."""
    starts = registry.param("STUDENT_TERM_STARTS")
    key = (today.month, today.day)
    if key >= tuple(starts[SchoolTerm.FIRST]):
        return today.year, SchoolTerm.FIRST
    if key >= tuple(starts[SchoolTerm.SECOND]):
        return today.year - 1, SchoolTerm.SECOND
    return today.year - 1, SchoolTerm.FIRST


class TermRegistrationReportView(LoginRequiredMixin, View):
    """One page: the term's 学期注册 and the registry's data-quality lists, within the user's scope."""

    def get(self, request):
        today = timezone.localdate()
        year, term = current_term(today)
        raw_year = request.GET.get("year", "")
        if raw_year.isdigit() and 2000 <= int(raw_year) <= today.year + 1:
            year = int(raw_year)
        if request.GET.get("term") in SchoolTerm.values:
            term = request.GET["term"]
        user = request.user
        report = selectors.term_registration_report(user=user, school_year=year, term=term)
        visible = set(
            selectors.enrolment_list(user=user).filter(is_current=True).values_list("pk", flat=True)
        )
        overdue = [c for c in services.resume_overdue(today) if c.enrolment_id in visible]
        context = {
            "title": _("Term registration and data quality"),
            "year": year,
            "term": term,
            "terms": SchoolTerm.choices,
            "years": list(range(today.year + 1, today.year - 5, -1)),
            "report": report,
            "separated": selectors.separated_from_record(user=user, school_year=year, term=term, today=today),
            "duplicates": selectors.possible_duplicates(user=user),
            "overdue": overdue,
        }
        return render(request, "students/term_registration.html", context)
