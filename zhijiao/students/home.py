"""What the home page shows of the registry (see core.views.home)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from zhijiao.core.home import Figure, Panel

from . import selectors
from .choices import EnrolmentStatus


def _url(name: str, **params) -> str:
    return reverse(name) + ("?" + urlencode(params) if params else "")


def panels(*, user, kinds: set[str]) -> list[Panel]:
    out = []
    if kinds & {"province", "city", "school"}:
        counts = selectors.student_counts(user=user)["by_status"]
        out.append(
            Panel(
                _("Students"),
                [
                    Figure(
                        EnrolmentStatus.REGISTERED.label,
                        counts.get(EnrolmentStatus.REGISTERED, 0),
                        _url("students:student_list", status="registered"),
                    ),
                    Figure(
                        EnrolmentStatus.PENDING.label,
                        counts.get(EnrolmentStatus.PENDING, 0),
                        _url("students:student_list", status="pending"),
                    ),
                    Figure(
                        EnrolmentStatus.SUSPENDED.label,
                        counts.get(EnrolmentStatus.SUSPENDED, 0),
                        _url("students:student_list", status="suspended"),
                    ),
                    Figure(
                        EnrolmentStatus.GRADUATED.label,
                        counts.get(EnrolmentStatus.GRADUATED, 0),
                        _url("students:student_list", status="graduated"),
                    ),
                ],
                order=20,
            )
        )
    if "person" in kinds:
        student = selectors.student_for_user(user)
        if student is not None:
            enrolment = selectors.current_enrolment(student)
            figures = [Figure(_("School"), student.current_institution.name, _url("students:me"))]
            if enrolment is not None:
                figures += [
                    Figure(_("Major"), enrolment.offering.major.name, _url("students:me")),
                    Figure(_("Class"), enrolment.class_name or "—", _url("students:me")),
                    Figure(_("Status"), enrolment.get_status_display(), _url("students:me")),
                ]
            out.append(Panel(_("My record"), figures, order=10))
    return out
