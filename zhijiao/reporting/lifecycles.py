"""A submission's lifecycle (``core.lifecycle``): the school submits, the city then the province
approve (``zhijiao.workflows``); approval locks the values and writes the rollups; only the
province re-opens (with a reason, audited as ``submission.reopened``)."""

from django.utils.translation import gettext_lazy as _

from zhijiao.core.lifecycle import Approval, Guard, Lifecycle, Outcome, Transition

from . import services
from .choices import SubmissionStatus as S

EVENTS = {
    "dataset.loaded": _("Data set definition loaded"),
    "submission.saved": _("Submission values saved"),
    "submission.submitted": _("Submission submitted"),
    "submission.approved": _("Submission approved"),
    "submission.returned": _("Submission returned"),
    "submission.locked": _("Submission locked"),
    "submission.reopened": _("Submission re-opened"),
    "submission.closed": _("Submission closed at the deadline"),
    # the data-set editor (services_editor) and file elements (services_files)
    "dataset.created": _("Data set created"),
    "dataset.version_edited": _("Data set draft version edited"),
    "dataset.version_drafted": _("Data set draft version started"),
    "dataset.version_published": _("Data set version published"),
    "dataset.version_discarded": _("Data set draft version discarded"),
    "submission.file_attached": _("File attached to a submission"),
}

SUBMISSION = Lifecycle(
    key="reporting.submission",
    model="reporting.Submission",
    states=S,
    relationships={"province": services.is_province},
    transitions=[
        Transition(
            "submit",
            _("Submit for approval"),
            source=[S.DRAFT, S.RETURNED, S.REOPENED],
            target=S.SUBMITTED,
            refused=_("Only a draft, returned or re-opened submission can be submitted."),
            guards=[Guard("submission_valid", services.submission_valid)],
            approval=True,
            data=services.submitted_data,
            event="submission.submitted",
        ),
        Transition(
            "lock",
            _("Lock"),
            source=[S.APPROVED],
            target=S.LOCKED,
            relationships=["province"],
            event="submission.locked",
        ),
        Transition(
            "close",
            _("Close at the deadline"),
            source=[S.DRAFT, S.RETURNED, S.REOPENED],
            target=S.CLOSED,
            relationships=["province"],
            event="submission.closed",
        ),
        Transition(
            "reopen",
            _("Re-open"),
            source=[S.APPROVED, S.LOCKED, S.CLOSED],
            data=services.reopen_data,
            target=S.REOPENED,
            relationships=["province"],
            reason_required=True,
            reason_prompt=_("Say why the submission is re-opened."),
            effects=[services.submission_reopened],
            event="submission.reopened",
        ),
    ],
    approval=Approval(
        kind="reporting.submission",
        label=_("Data report"),
        title=lambda s: _("Data report: %(s)s") % {"s": s},
        on={
            "approved": Outcome(
                state=S.APPROVED, effect=services.submission_approved, event="submission.approved"
            ),
            "returned": Outcome(state=S.RETURNED, event="submission.returned"),
            "cancelled": Outcome(state=S.DRAFT),
            "resubmitted": Outcome(state=S.SUBMITTED),
        },
    ),
)

LIFECYCLES = [SUBMISSION]
