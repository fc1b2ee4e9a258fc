"""The students app's document lifecycles (``core.lifecycle``): 电子注册 batches, 学籍异动 and
graduation lists, each approved school → city → province (``zhijiao.workflows``), and the audit
events the app's services record."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijiao.core.lifecycle import Approval, Guard, Lifecycle, Outcome, Transition

from . import services
from .choices import BatchStatus
from .models import StatusChange

EVENTS = {
    "student.imported": _("Student imported"),
    "student.registry_number_assigned": _("Registry number assigned"),
    "enrolment.registered": _("Enrolment registered"),
    "registration.submitted": _("Registration batch submitted"),
    "registration.approved": _("Registration batch approved"),
    "registration.returned": _("Registration batch returned"),
    "registration.cancelled": _("Registration batch withdrawn"),
    "status_change.requested": _("Status change requested"),
    "status_change.approved": _("Status change approved"),
    "status_change.returned": _("Status change returned"),
    "status_change.cancelled": _("Status change withdrawn"),
    "graduation_list.submitted": _("Graduation list submitted"),
    "graduation_list.approved": _("Graduation list approved"),
    "graduation_list.returned": _("Graduation list returned"),
    "graduation_list.cancelled": _("Graduation list withdrawn"),
    "graduation.approved": _("Graduation approved"),
    "graduation.rejected": _("Graduation refused"),
}


def _submitted(obj, ctx) -> dict:
    data = {"submitted_at": timezone.now()}
    if ctx.get("approval_request") is not None:
        data["approval"] = ctx["approval_request"]
    return data


def _returned_or_cancelled(prefix: str) -> dict:
    return {
        "returned": Outcome(state=BatchStatus.RETURNED, event=f"{prefix}.returned"),
        "cancelled": Outcome(state=BatchStatus.CANCELLED, event=f"{prefix}.cancelled"),
        "resubmitted": Outcome(state=BatchStatus.IN_REVIEW),
    }


REGISTRATION = Lifecycle(
    key="students.registration",
    model="students.RegistrationBatch",
    states=BatchStatus,
    transitions=[
        Transition(
            "submit",
            _("Submit for approval"),
            source=[BatchStatus.DRAFT],
            target=BatchStatus.IN_REVIEW,
            refused=_("Only a draft batch can be submitted."),
            guards=[
                Guard("registration_on_time", services.batch_on_time),
                Guard("batch_has_students", services.batch_has_students),
            ],
            approval=True,
            data=_submitted,
            event="registration.submitted",
        ),
    ],
    approval=Approval(
        kind="students.registration",
        label=_("New-student registration"),
        title=lambda batch: _("Registration of new students: %(batch)s") % {"batch": batch},
        on={
            "approved": Outcome(
                state=BatchStatus.APPROVED,
                effect=lambda batch, request, actor, reason: services.registration_approved(request, actor),
                event="registration.approved",
            ),
            **_returned_or_cancelled("registration"),
            "cancelled": Outcome(
                state=BatchStatus.CANCELLED,
                effect=services.registration_cancelled,
                event="registration.cancelled",
            ),
        },
    ),
)

GRADUATION = Lifecycle(
    key="students.graduation",
    model="students.GraduationList",
    states=BatchStatus,
    transitions=[
        Transition(
            "submit",
            _("Submit for approval"),
            source=[BatchStatus.DRAFT],
            target=BatchStatus.IN_REVIEW,
            refused=_("Only a draft list can be submitted."),
            approval=True,
            data=_submitted,
            event="graduation_list.submitted",
        ),
    ],
    approval=Approval(
        kind="students.graduation",
        label=_("Graduation list"),
        title=lambda glist: _("Graduation list: %(list)s") % {"list": glist},
        on={
            "approved": Outcome(
                state=BatchStatus.APPROVED,
                effect=services.graduation_list_approved,
                event="graduation_list.approved",
            ),
            **_returned_or_cancelled("graduation_list"),
        },
    ),
)

S = StatusChange.Status
STATUS_CHANGE = Lifecycle(
    key="students.status_change",
    model="students.StatusChange",
    states=S,
    # Filed by ``services.status_change_request`` (in review from the start), decided in its chain.
    approval=Approval(
        kind="students.status_change",
        label=_("Student status change"),
        title=lambda change: f"{change.get_kind_display()} · {change.student.name}",
        institution=lambda change: change.enrolment.institution,
        build_chain=services.transfer_chain,
        on={
            "approved": Outcome(
                state=S.APPROVED, effect=services.status_change_approved, event="status_change.approved"
            ),
            "returned": Outcome(state=S.RETURNED, event="status_change.returned"),
            "cancelled": Outcome(state=S.CANCELLED, event="status_change.cancelled"),
            "resubmitted": Outcome(state=S.IN_REVIEW),
        },
    ),
)

LIFECYCLES = [REGISTRATION, STATUS_CHANGE, GRADUATION]
