"""A submission's lifecycle (``core.lifecycle``): the school submits, the city then the province
approve (``zhijiao.workflows``); approval locks the values and writes the rollups; only the
province re-opens (with a reason, audited as ``submission.reopened``)."""

from django.utils.translation import gettext_lazy as _

from zhijiao.core.lifecycle import Approval, Guard, Lifecycle, Outcome, Transition

from . import services
from .choices import CitySubmissionStatus as C
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
    "city_submission.submitted": _("City return submitted"),
    "city_submission.accepted": _("City return accepted"),
    "city_submission.returned": _("City return returned"),
    "city_submission.reopened": _("City return re-opened"),
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
    # str() of a submission and its audit scope read these: one statement with the lock.
    related=("institution__region", "period__data_set"),
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
                state=S.APPROVED,
                effect=services.submission_approved,
                event="submission.approved",
                # the effect writes the rollups (or notes the submission for them), never the row
                refresh=False,
            ),
            "returned": Outcome(state=S.RETURNED, event="submission.returned"),
            "cancelled": Outcome(state=S.DRAFT),
            "resubmitted": Outcome(state=S.SUBMITTED),
        },
    ),
)

# The city's own return, after its schools': the city bureau submits it (not while schools it must
# approve wait for it, unless the data set says otherwise), the province accepts — which locks it —
# or returns it with a reason; only the province re-opens an accepted return (reason, audited).
CITY_SUBMISSION = Lifecycle(
    key="reporting.city_submission",
    model="reporting.CitySubmission",
    states=C,
    relationships={"province": services.is_province, "city_office": services.is_city_office},
    transitions=[
        Transition(
            "submit",
            _("Submit to the province"),
            source=[C.DRAFT, C.RETURNED, C.REOPENED],
            target=C.SUBMITTED,
            relationships=["city_office"],
            refused=_("Only a draft, returned or re-opened return can be submitted."),
            guards=[Guard("city_schools_decided", services.city_schools_decided)],
            data=services.city_submitted_data,
            event="city_submission.submitted",
        ),
        Transition(
            "accept",
            _("Accept"),
            source=[C.SUBMITTED],
            target=C.ACCEPTED,
            relationships=["province"],
            refused=_("Only a submitted return can be accepted."),
            data=services.city_accepted_data,
            effects=[services.city_return_accepted],
            event="city_submission.accepted",
        ),
        Transition(
            "return",
            _("Return to the city"),
            source=[C.SUBMITTED],
            target=C.RETURNED,
            relationships=["province"],
            reason_required=True,
            reason_prompt=_("Say why the return is sent back."),
            refused=_("Only a submitted return can be returned."),
            data=services.city_returned_data,
            event="city_submission.returned",
        ),
        Transition(
            "reopen",
            _("Re-open"),
            source=[C.ACCEPTED],
            target=C.REOPENED,
            relationships=["province"],
            reason_required=True,
            reason_prompt=_("Say why the return is re-opened."),
            refused=_("Only an accepted return can be re-opened."),
            effects=[services.city_return_reopened],
            event="city_submission.reopened",
        ),
    ],
)

LIFECYCLES = [SUBMISSION, CITY_SUBMISSION]
