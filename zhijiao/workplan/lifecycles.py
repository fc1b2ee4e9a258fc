"""The work plan's lifecycles (``core.lifecycle``): a progress report awaits its answer
(件件有着落，事事有回音), and the audit events of the app's services."""

from django.utils.translation import gettext_lazy as _

from zhijiao.core.lifecycle import Guard, Lifecycle, Transition

from . import services
from .choices import ReportStatus

EVENTS = {
    "report.submitted": _("Progress report submitted"),
    "report.accepted": _("Progress report accepted"),
    "report.returned": _("Progress report returned"),
}

R = ReportStatus
_answer = dict(
    source=[R.SUBMITTED],
    action=None,
    relationships=["acknowledger"],
    refused=_("This report has already been answered."),
    guards=[
        Guard("report_not_answered", services.report_not_answered),
        Guard("answer_not_before_report", services.answer_not_before_report),
    ],
    effects=[services.report_answered],
    # The task page's answer form records when a reply given by phone was made.
    generic=False,
)

REPORT = Lifecycle(
    key="workplan.report",
    model="workplan.ProgressReport",
    states=R,
    relationships={"acknowledger": services.may_answer_report},
    transitions=[
        Transition("accept", _("Accept"), target=R.ACCEPTED, event="report.accepted", **_answer),
        Transition(
            "return",
            _("Return"),
            target=R.RETURNED,
            reason_required=True,
            reason_prompt=_("Say why the report is returned."),
            event="report.returned",
            **_answer,
        ),
    ],
)

LIFECYCLES = [REPORT]
