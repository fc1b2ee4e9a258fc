"""The internships app's lifecycles (``core.lifecycle``): 实习方案备案 through the approval chain,
and the audit events of the app's services."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.lifecycle import Approval, Lifecycle, Outcome, Transition

from .choices import FilingStatus
from .choices_batch import LeaveStatus
from .models.vetting import AssessmentStatus
from .services import batch, plans, vetting
from .services.base import FILING_KIND

EVENTS = {
    "plan.filing_submitted": _("Internship plan submitted for filing"),
    "plan.filed": _("Internship plan filed"),
    "plan.filing_returned": _("Internship plan filing returned"),
    "plan.filing_withdrawn": _("Internship plan filing withdrawn"),
    "placement.started": _("Placement started"),
    "placement.suspended": _("Placement suspended"),
    "placement.ended": _("Placement ended"),
    "alert.raised": _("Alert raised"),
    "alert.changed": _("Alert severity changed"),
    "alert.escalated": _("Alert escalated"),
    "alert.cleared": _("Alert cleared"),
    "mentor.replaced": _("Mentor replaced"),
    "placement.exception_requested": _("Rule exception requested"),
    "placement.exception_approved": _("Rule exception approved"),
    "placement.exception_refused": _("Rule exception refused"),
    "placement.post_changed": _("Placement moved to another post"),
    "placement.terminated": _("Placement ended early"),
    "leave.requested": _("Leave requested"),
    "leave.approved": _("Leave approved"),
    "leave.refused": _("Leave refused"),
    "leave.withdrawn": _("Leave request withdrawn"),
    "host.assessed": _("Host assessed on site"),
    "host.assessment_changed": _("Draft host assessment corrected"),
    "host.approved": _("Host approved for the school's list"),
    "host.published": _("Host list published"),
    "host.withdrawn": _("Host withdrawn from the school's list"),
    "host.blacklisted": _("Host put on the blacklist"),
    "host.blacklist_lifted": _("Host taken off the blacklist"),
    "placement.safety_recorded": _("Placement readiness recorded"),
    "placement.outside_approved": _("Internship outside the province approved"),
    "incident.recorded": _("Incident recorded"),
    "incident.reported": _("Incident reported to the authorities"),
    "incident.followed_up": _("Incident follow-up reported"),
    "incident.closed": _("Incident closed"),
    "incident.escalated": _("Overdue incident report escalated"),
}

F = FilingStatus


def _outcome(data):
    """An approval outcome's field values from a transition's ``data(plan, ctx)``."""
    return lambda plan, request, reason: data(plan, {"reason": reason})


PLAN_FILING = Lifecycle(
    key=FILING_KIND,
    model="internships.InternshipPlan",
    states=F,
    field="filing_status",
    relationships={"authority": plans.is_filing_authority},
    transitions=[
        Transition(
            "submit_filing",
            _("Submit for filing"),
            source=[F.DRAFT, F.RETURNED],
            target=F.IN_REVIEW,
            refused=_("Only a draft or returned plan can be submitted for filing."),
            approval=True,
            data=plans.filing_comment,
            event="plan.filing_submitted",
        ),
        # Without the approvals app: the authority decides the plan's own state.
        Transition(
            "file",
            pgettext_lazy("filing", "File"),
            source=[F.IN_REVIEW],
            target=F.FILED,
            action=None,
            relationships=["authority"],
            refused=_("The plan is not awaiting a filing decision."),
            data=plans.filing_filed,
            event="plan.filed",
            generic=False,
        ),
        Transition(
            "return_filing",
            _("Return"),
            source=[F.IN_REVIEW],
            target=F.RETURNED,
            action=None,
            relationships=["authority"],
            refused=_("The plan is not awaiting a filing decision."),
            reason_required=True,
            reason_prompt=_("Give a reason for returning the plan."),
            data=plans.filing_comment,
            event="plan.filing_returned",
            generic=False,
        ),
    ],
    approval=Approval(
        kind=FILING_KIND,
        label=_("Internship plan filing"),
        title=lambda plan: plan.title,
        on={
            "approved": Outcome(state=F.FILED, data=_outcome(plans.filing_filed), event="plan.filed"),
            "returned": Outcome(
                state=F.RETURNED, data=_outcome(plans.filing_comment), event="plan.filing_returned"
            ),
            "cancelled": Outcome(
                state=F.DRAFT, data=_outcome(plans.filing_comment), event="plan.filing_withdrawn"
            ),
            "resubmitted": Outcome(
                state=F.IN_REVIEW, data=lambda plan, request, reason: {"filing_comment": ""}
            ),
        },
    ),
)

L = LeaveStatus

# 请假: the student asks (services.batch.leave_request_submit); the school or the school mentor
# approves or refuses; the student may withdraw a request not yet decided.
LEAVE = Lifecycle(
    key=batch.LEAVE_KIND,
    model="internships.LeaveRequest",
    states=L,
    relationships={"decider": batch.is_leave_decider, "student": batch.is_leave_student},
    transitions=[
        Transition(
            "approve",
            pgettext_lazy("leave", "Approve"),
            source=[L.REQUESTED],
            target=L.APPROVED,
            action=None,
            relationships=["decider"],
            refused=_("The leave request has already been decided."),
            data=batch.leave_decision_data,
            effects=[batch.leave_record_decider],
            event="leave.approved",
        ),
        Transition(
            "refuse",
            pgettext_lazy("leave", "Refuse"),
            source=[L.REQUESTED],
            target=L.REFUSED,
            action=None,
            relationships=["decider"],
            refused=_("The leave request has already been decided."),
            reason_required=True,
            reason_prompt=_("Give a reason for refusing the leave."),
            data=batch.leave_decision_data,
            effects=[batch.leave_record_decider],
            event="leave.refused",
        ),
        Transition(
            "withdraw",
            pgettext_lazy("leave", "Withdraw"),
            source=[L.REQUESTED],
            target=L.WITHDRAWN,
            action=None,
            relationships=["student"],
            refused=_("Only a request not yet decided can be withdrawn."),
            event="leave.withdrawn",
        ),
    ],
)

A = AssessmentStatus

# 教职成〔2021〕4号第七条: the school's list of hosts is decided by the school (校级党组织会议) and published.
HOST_ASSESSMENT = Lifecycle(
    key=vetting.ASSESSMENT_KIND,
    model="internships.HostAssessment",
    states=A,
    relationships={"school": vetting.is_school_of},
    transitions=[
        Transition(
            "approve",
            _("Approve for the host list"),
            source=[A.DRAFT],
            target=A.APPROVED,
            action=None,
            relationships=["school"],
            refused=_("Only a draft assessment can be approved."),
            reason_required=True,
            reason_prompt=_("The school's decision: the meeting and its date."),
            data=vetting.approval_data,
            event="host.approved",
        ),
        Transition(
            "publish",
            _("Publish on the host list"),
            source=[A.APPROVED],
            target=A.PUBLISHED,
            action=None,
            relationships=["school"],
            refused=_("Only an approved host can be published."),
            data=vetting.publication_data,
            event="host.published",
        ),
        Transition(
            "withdraw",
            _("Withdraw from the host list"),
            source=[A.DRAFT, A.APPROVED, A.PUBLISHED],
            target=A.WITHDRAWN,
            action=None,
            relationships=["school"],
            refused=_("The assessment is already withdrawn."),
            reason_required=True,
            reason_prompt=_("Give a reason for withdrawing the host."),
            data=vetting.withdrawal_data,
            event="host.withdrawn",
        ),
    ],
)

LIFECYCLES = [PLAN_FILING, LEAVE, HOST_ASSESSMENT]
