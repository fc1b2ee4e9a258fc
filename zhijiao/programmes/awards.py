"""Awards (立项): who applies under each applicant kind (through their institution), the award record
that 立项 writes for what was awarded, and what earlier awards an applicant holds — the facts the
eligibility rule ``PROG-ELIG-AWARD`` reads ("must be a 品牌专业")."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.services import model_create, model_update
from zhijiao.majors.models import InstitutionMajor
from zhijiao.students.choices import EnrolmentStatus
from zhijiao.students.models import Enrolment

from .choices import ApplicantKind, AwardStatus
from .models import Application, Award

HELD = (AwardStatus.ACTIVE, AwardStatus.ACCEPTED)
APPLICANT_FIELDS = ("offering", "team_name", "person_name", "student", "enterprise")


def applicant_clean(*, kind: str, institution, applicant: dict) -> dict:
    """The applicant record's fields for ``kind``, checked: an offered major of the institution, a
    team's or teacher's name, a student with a 学籍 at the institution, a partner enterprise. Only
    the field of the kind is kept. Raises ValidationError keyed by field."""
    applicant = {k: v for k, v in (applicant or {}).items() if k in APPLICANT_FIELDS and v not in (None, "")}
    out: dict = {}
    if kind == ApplicantKind.MAJOR:
        offering = applicant.get("offering")
        if not isinstance(offering, InstitutionMajor) or offering.institution_id != institution.pk:
            raise ValidationError({"offering": _("Choose an offered major of the applicant institution.")})
        out["offering"] = offering
    elif kind in (ApplicantKind.TEAM, ApplicantKind.COURSE):
        name = str(applicant.get("team_name") or "").strip()
        if not name:
            raise ValidationError({"team_name": _("Name the team (or course) that applies.")})
        out["team_name"] = name[:100]
    elif kind == ApplicantKind.TEACHER:
        name = str(applicant.get("person_name") or "").strip()
        if not name:
            raise ValidationError({"person_name": _("Name the teacher who applies.")})
        out["person_name"] = name[:50]
    elif kind == ApplicantKind.STUDENT:
        student = applicant.get("student")
        if student is None or not student_enrolled_at(student, institution):
            raise ValidationError({"student": _("Choose a student registered at the applicant institution.")})
        out["student"] = student
    elif kind == ApplicantKind.PARTNERSHIP:
        enterprise = applicant.get("enterprise")
        if enterprise is None:
            raise ValidationError({"enterprise": _("Choose the partner enterprise.")})
        out["enterprise"] = enterprise
    return out


def student_enrolled_at(student, institution, statuses=(EnrolmentStatus.REGISTERED,)) -> bool:
    return Enrolment.objects.filter(student=student, institution=institution, status__in=statuses).exists()


def award_from_application(application: Application, actor, ctx: dict) -> Award:
    """Effect of the 立项 transition: the award record, linked to what the application named."""
    call = application.call
    return model_create(
        actor=actor,
        instance=Award(
            application=application,
            programme_code=call.programme_type.code,
            name=call.programme_type.name,
            year=call.year,
            applicant_kind=call.programme_type.applicant_kind,
            institution=application.institution,
            offering=application.offering,
            team_name=application.team_name,
            person_name=application.person_name,
            student=application.student,
            enterprise=application.enterprise,
            funding=application.funding,
            funding_source=application.funding_source,
            awarded_on=timezone.localdate(),
            is_demo=call.is_demo,
        ),
        event="award.created",
    )


def award_set_status(*, actor, award: Award, status: str) -> Award:
    award, _changed = model_update(actor=actor, instance=award, data={"status": status}, event="award.status")
    return award


# --- what an applicant holds -----------------------------------------------------------------------------


def held_by_institution(institution) -> set[str]:
    """Programme codes of the awards the institution holds (its own, or through a major, team, …)."""
    return set(
        Award.objects.filter(institution=institution, status__in=HELD).values_list(
            "programme_code", flat=True
        )
    )


def held_by_applicant(institution, applicant: dict | None) -> set[str]:
    """Programme codes the applicant itself holds: the offered major's awards for a major, the
    student's for a student, the enterprise's (with this institution) for a partnership; else the
    institution's."""
    applicant = applicant or {}
    qs = Award.objects.filter(status__in=HELD)
    if applicant.get("offering") is not None:
        qs = qs.filter(offering=applicant["offering"])
    elif applicant.get("student") is not None:
        qs = qs.filter(student=applicant["student"])
    elif applicant.get("enterprise") is not None:
        qs = qs.filter(enterprise=applicant["enterprise"], institution=institution)
    elif applicant.get("person_name"):
        qs = qs.filter(person_name=applicant["person_name"], institution=institution)
    else:
        qs = qs.filter(institution=institution)
    return set(qs.values_list("programme_code", flat=True))
