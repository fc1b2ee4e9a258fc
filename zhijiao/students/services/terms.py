"""学期注册: every term, who of a school's students is registered and who is not, and why (XJ-TERM)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from zhijiao.core.services import model_create, model_update
from zhijiao.core.validators import normalize_text

from .. import rules
from ..choices import EnrolmentStatus, NotRegisteredReason
from ..models import Enrolment, TermRegistration
from .base import _ensure


@transaction.atomic
def term_registration_record(
    *,
    actor,
    enrolment: Enrolment,
    school_year: int,
    term: str,
    registered: bool,
    reason: str = "",
    note: str = "",
) -> TermRegistration:
    """Record (or correct) one student's 学期注册 for a term: registered, or not with a reason."""
    _ensure(enrolment, actor)
    enrolment = Enrolment.objects.select_for_update(of=("self",)).get(pk=enrolment.pk)
    reason = "" if registered else reason
    rules.check_term_registration(status=enrolment.status, registered=registered, reason=reason)
    data = {
        "registered": registered,
        "reason": reason,
        "note": normalize_text(note or "")[:200],
        "recorded_at": timezone.now(),
    }
    row = TermRegistration.objects.filter(enrolment=enrolment, school_year=school_year, term=term).first()
    if row is None:
        row = TermRegistration(
            institution_id=enrolment.institution_id,
            enrolment=enrolment,
            school_year=school_year,
            term=term,
            **data,
        )
        return model_create(actor=actor, instance=row)
    model_update(actor=actor, instance=row, data=data)
    return row


@transaction.atomic
def term_registration_open(*, actor, institution, school_year: int, term: str) -> dict[str, int]:
    """Open a term's 学期注册 for a school: students on 休学 are recorded as not registered (reason:
    suspension); the studying ones wait for the school to record them. Safe to run twice."""
    counts = {"suspended": 0}
    current = Enrolment.objects.filter(
        institution=institution, is_current=True, status=EnrolmentStatus.SUSPENDED
    ).exclude(term_registrations__school_year=school_year, term_registrations__term=term)
    for enrolment in current.order_by("id"):
        term_registration_record(
            actor=actor,
            enrolment=enrolment,
            school_year=school_year,
            term=term,
            registered=False,
            reason=NotRegisteredReason.SUSPENDED,
        )
        counts["suspended"] += 1
    return counts
