"""Graduation lists: proposal with eligibility reasons, approval, 结业 → 毕业 swaps."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.services import OutOfScope, model_create, model_update
from zhijiao.orgs.models import Institution

from .. import rules
from ..choices import GraduationOutcome
from ..models import (
    Graduation,
    GraduationList,
)
from .base import S
from .identity import institutions_for_students


# --- graduation ------------------------------------------------------------------------------------
@transaction.atomic
def graduation_list_create(
    *,
    actor,
    institution: Institution,
    year: int,
    graduation_date: datetime.date,
    entries: list[dict[str, Any]],
) -> GraduationList:
    """The school proposes a graduation list; each entry is checked and its failures recorded.

    ``entries``: dicts with ``enrolment``, ``outcome`` (default 毕业), ``credits_complete``,
    ``internship_grade``, ``conduct_grade`` and optionally ``replaces`` (a 结业 decision to swap).
    """
    if not institutions_for_students(actor).filter(pk=institution.pk).exists():
        raise OutOfScope(_("You may only propose graduates of your own school."))
    glist = GraduationList(institution=institution, year=year, graduation_date=graduation_date)
    model_create(actor=actor, instance=glist)
    if not entries:
        raise ValidationError(_("The list holds no students."))
    approved = approved_decisions(entry["enrolment"].pk for entry in entries)
    for entry in entries:
        enrolment = entry["enrolment"]
        if enrolment.institution_id != institution.pk or not enrolment.is_current:
            raise ValidationError(
                _("%(student)s is not a current student of the school.") % {"student": enrolment.student}
            )
        outcome = entry.get("outcome") or GraduationOutcome.GRADUATED
        grad = Graduation(
            enrolment=enrolment,
            outcome=outcome,
            graduation_date=graduation_date,
            graduation_list=glist,
            credits_complete=bool(entry.get("credits_complete")),
            internship_grade=entry.get("internship_grade", ""),
            conduct_grade=entry.get("conduct_grade", ""),
            replaces=entry.get("replaces"),
        )
        grad.ineligible_reasons = graduation_problems(grad, approved=approved)
        model_create(actor=actor, instance=grad)
    return glist


def approved_decisions(enrolment_ids) -> dict[int, set[int]]:
    """Approved graduation decisions per enrolment, in one query (for checking a whole list)."""
    found: dict[int, set[int]] = {}
    rows = Graduation.objects.filter(enrolment_id__in=list(enrolment_ids), status=Graduation.Status.APPROVED)
    for enrolment_id, pk in rows.values_list("enrolment_id", "pk"):
        found.setdefault(enrolment_id, set()).add(pk)
    return found


def graduation_problems(grad: Graduation, *, approved: dict[int, set[int]] | None = None) -> list[str]:
    """Why this proposal cannot be approved (empty: it can).

    ``approved`` (from ``approved_decisions``) saves the per-student query when a list is checked.
    """
    enrolment = grad.enrolment
    reasons: list[str] = []
    if approved is None:
        approved = approved_decisions([enrolment.pk])
    if approved.get(enrolment.pk, set()) - {grad.replaces_id}:
        reasons.append(str(_("already has an approved graduation decision")))
    if grad.outcome == GraduationOutcome.GRADUATED and grad.replaces_id:
        if enrolment.status != S.COMPLETED:
            reasons.append(str(_("only a completion (结业) can be swapped for graduation")))
        try:
            rules.check_completion_swap_window(
                completed_on=grad.replaces.graduation_date, on=grad.graduation_date
            )
        except ValidationError as exc:
            reasons.extend(exc.messages)
        reasons += [
            str(r)
            for r in rules.graduation_ineligibility(
                status=S.REGISTERED,
                credits_complete=grad.credits_complete,
                internship_grade=grad.internship_grade,
                conduct_grade=grad.conduct_grade,
            )
        ]
    elif grad.outcome == GraduationOutcome.GRADUATED:
        reasons += [
            str(r)
            for r in rules.graduation_ineligibility(
                status=enrolment.status,
                credits_complete=grad.credits_complete,
                internship_grade=grad.internship_grade,
                conduct_grade=grad.conduct_grade,
            )
        ]
    elif grad.outcome == GraduationOutcome.COMPLETED:
        if enrolment.status not in rules.STUDYING:
            reasons.append(
                str(_("status is “%(status)s”, not registered") % {"status": S(enrolment.status).label})
            )
    else:  # 肄业
        if enrolment.status not in rules.STUDYING | {S.SUSPENDED}:
            reasons.append(str(_("status is “%(status)s”") % {"status": S(enrolment.status).label}))
        try:
            rules.check_incomplete_one_year(entry_date=enrolment.entry_date, on=grad.graduation_date)
        except ValidationError as exc:
            reasons.extend(exc.messages)
    return reasons


def graduation_list_submit(*, actor, graduation_list: GraduationList) -> GraduationList:
    """School → city → province (lifecycle ``students.graduation``)."""
    from zhijiao.core.lifecycle import fire

    return fire("students.graduation", graduation_list, "submit", actor=actor)


OUTCOME_STATUS = {
    GraduationOutcome.GRADUATED: S.GRADUATED,
    GraduationOutcome.COMPLETED: S.COMPLETED,
    GraduationOutcome.INCOMPLETE: S.INCOMPLETE,
}


def graduation_approve(*, actor, graduation: Graduation) -> Graduation:
    """Approve one decision (eligibility checked again): the enrolment becomes graduated/completed/incomplete."""
    grad = (
        Graduation.objects.select_for_update(of=("self",))
        .select_related("enrolment", "replaces")
        .get(pk=graduation.pk)
    )
    problems = graduation_problems(grad)
    if problems:
        model_update(
            actor=actor,
            instance=grad,
            data={"status": Graduation.Status.REJECTED, "ineligible_reasons": problems},
            event="graduation.rejected",
        )
        return grad
    to_status = OUTCOME_STATUS[grad.outcome]
    rules.check_transition(grad.enrolment.status, to_status)
    data = {"status": to_status}
    if to_status in (S.GRADUATED, S.INCOMPLETE):
        data["left_at"] = grad.graduation_date
    model_update(actor=actor, instance=grad.enrolment, data=data)
    model_update(
        event="graduation.approved",
        actor=actor,
        instance=grad,
        data={
            "status": Graduation.Status.APPROVED,
            "approved_by": actor,
            "approved_at": timezone.now(),
            "ineligible_reasons": [],
        },
    )
    return grad


def graduation_list_approved(glist: GraduationList, approval, actor, reason: str = "") -> None:
    """Outcome effect: every proposed decision of the approved list is applied (checked again)."""
    for grad in glist.graduations.filter(status=Graduation.Status.PROPOSED).select_related("enrolment"):
        graduation_approve(actor=actor, graduation=grad)
