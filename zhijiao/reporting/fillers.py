"""Who fills a form: a school its ``Submission``, a city bureau its own return (``CitySubmission``
of a data set the cities fill, ``reporters: {by: city}``). The template download and upload and
the as-you-type checks (``views_fill``) are one implementation parametrised by the filler: how the
form is found in the user's scope, whom it names in its template, where the form page is, and
which earlier numbers the outlier flags compare with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from zhijiao.core.scoping import restrict

from . import selectors
from .models import CityDataValue, CitySubmission, Period


def owner_key(submission) -> str:
    """The organisation a form belongs to, as its template names it: a school's id, or ``c`` and
    the city's id (a city's return can never be mistaken for a school's form)."""
    if isinstance(submission, CitySubmission):
        return f"c{submission.city_id}"
    return str(submission.institution_id)


def owner_code(submission) -> str:
    if isinstance(submission, CitySubmission):
        return submission.city.code
    return str(submission.institution_id)


def _previous_period(submission):
    return (
        Period.objects.filter(data_set_id=submission.period.data_set_id, start__lt=submission.period.start)
        .order_by("-start")
        .values("pk")[:1]
    )


def previous_city_numbers(*, user, submission: CitySubmission) -> dict[tuple[str, str], Decimal]:
    """The numbers the same city returned for the period before ``submission``'s (what outlier
    flags compare with), by (element code, cell); empty when there was none."""
    rows = CityDataValue.objects.filter(
        city_submission__in=restrict(CitySubmission.objects.all(), user, "view").filter(
            city_id=submission.city_id, period__in=_previous_period(submission)
        ),
        number__isnull=False,
    ).values_list("element__code", "cell", "number")
    return {(code, cell): number for code, cell, number in rows}


@dataclass(frozen=True)
class Filler:
    name: str

    def get(self, user, pk):
        """The form ``pk`` the user may fill, or 404 (out of scope, or not a form the user fills)."""
        from .reporters import by_city
        from .services import is_city_office

        if self.name == "school":
            return get_object_or_404(selectors.submission_list(user=user), pk=pk)
        submission = get_object_or_404(
            selectors.city_submission_list(user=user).select_related("version", "city"), pk=pk
        )
        # Only the city bureau fills its own return (the province reviews it; the page says so).
        if (
            submission.version_id is None
            or not by_city(submission.period.data_set)
            or not is_city_office(submission, user)
        ):
            raise Http404
        return submission

    def form_url(self, submission) -> str:
        if self.name == "school":
            return reverse("reporting:submission_form", args=[submission.pk])
        return reverse("reporting:city_submission", args=[submission.pk])

    def url(self, what: str, submission) -> str:
        """The filler's own address of ``what`` (``template``, ``upload``, ``check``)."""
        names = {
            "school": {"template": "template_download", "upload": "template_upload", "check": "check"},
            "city": {
                "template": "city_template_download",
                "upload": "city_template_upload",
                "check": "city_check",
            },
        }
        return reverse(f"reporting:{names[self.name][what]}", args=[submission.pk])

    def previous_numbers(self, user, submission) -> dict[tuple[str, str], Decimal]:
        if self.name == "school":
            return selectors.previous_numbers(user=user, submission=submission)
        return previous_city_numbers(user=user, submission=submission)


SCHOOL = Filler("school")
CITY = Filler("city")
FILLERS = {"school": SCHOOL, "city": CITY}
