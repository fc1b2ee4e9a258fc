"""An application's lifecycle (core.lifecycle): the school submits before the deadline; its city
recommends (ranked, within quota) or not; the province screens formally, sends it to review,
puts it on the decision list or not, and approves it (立项) after the public notice."""

from django.utils.translation import gettext_lazy as _

from zhijiao.core.lifecycle import Guard, Lifecycle, Transition

from . import awards, services
from .choices import ApplicationStatus as S

EVENTS = {
    "programme_type.loaded": _("Programme type loaded"),
    "call.opened": _("Call opened"),
    "call.stage": _("Call moved to its next stage"),
    "call.settings": _("Call settings changed (reviews per expert, budget)"),
    "application.funding": _("Funding of an application on the decision list set"),
    "application.saved": _("Application saved"),
    "application.submitted": _("Application submitted"),
    "application.recommended": _("Application recommended by the city"),
    "application.not_recommended": _("Application not recommended by the city"),
    "application.screened": _("Application passed formal screening"),
    "application.screen_failed": _("Application failed formal screening"),
    "application.review_started": _("Application sent to expert review"),
    "application.shortlisted": _("Application put on the decision list"),
    "application.not_selected": _("Application not selected"),
    "application.approved": _("Application approved (立项)"),
    "expert.saved": _("Expert saved"),
    "review.assigned": _("Reviewer assigned"),
    "review.submitted": _("Review scores submitted"),
    "objection.lodged": _("Objection lodged on the public notice"),
    "objection.answered": _("Objection answered"),
    "award.created": _("Award recorded (立项)"),
    "award.status": _("Award status changed"),
}

APPLICATION = Lifecycle(
    key="programmes.application",
    model="programmes.Application",
    states=S,
    relationships={"city": services.is_city_of, "province": services.is_province},
    transitions=[
        Transition(
            "submit",
            _("Submit the application"),
            source=[S.DRAFT],
            target=S.SUBMITTED,
            refused=_("Only a draft application can be submitted."),
            guards=[
                Guard("before_deadline", services.guard_before_deadline),
                Guard("eligible", services.guard_eligible),
                Guard("form_complete", services.guard_form_complete),
                Guard("attachments", services.guard_attachments),
            ],
            data=services.submitted_data,
            event="application.submitted",
            generic=False,
        ),
        Transition(
            "recommend",
            _("Recommend"),
            source=[S.SUBMITTED],
            target=S.RECOMMENDED,
            relationships=["city"],
            event="application.recommended",
            generic=False,
        ),
        Transition(
            "decline",
            _("Do not recommend"),
            source=[S.SUBMITTED],
            target=S.NOT_RECOMMENDED,
            relationships=["city"],
            reason_required=True,
            reason_prompt=_("Say why the application is not recommended."),
            event="application.not_recommended",
            generic=False,
        ),
        Transition(
            "screen_pass",
            _("Pass formal screening"),
            source=[S.RECOMMENDED],
            target=S.SCREENED,
            relationships=["province"],
            event="application.screened",
        ),
        Transition(
            "screen_fail",
            _("Fail formal screening"),
            source=[S.RECOMMENDED],
            target=S.SCREEN_FAILED,
            relationships=["province"],
            reason_required=True,
            reason_prompt=_("Say what the application lacks."),
            data=lambda app, ctx: {"screening_note": ctx.get("reason", "")[:500]},
            event="application.screen_failed",
        ),
        Transition(
            "review",
            _("Send to expert review"),
            source=[S.SCREENED],
            target=S.UNDER_REVIEW,
            relationships=["province"],
            event="application.review_started",
            generic=False,
        ),
        Transition(
            "shortlist",
            _("Put on the decision list"),
            source=[S.UNDER_REVIEW],
            target=S.SHORTLISTED,
            relationships=["province"],
            event="application.shortlisted",
            generic=False,
        ),
        Transition(
            "not_select",
            _("Not selected"),
            source=[S.UNDER_REVIEW],
            target=S.NOT_SELECTED,
            relationships=["province"],
            event="application.not_selected",
            generic=False,
        ),
        Transition(
            "approve",
            _("Approve (立项)"),
            source=[S.SHORTLISTED],
            target=S.APPROVED,
            relationships=["province"],
            effects=[awards.award_from_application],
            event="application.approved",
            generic=False,
        ),
    ],
)

LIFECYCLES = [APPLICATION]


# --- follow-up reports (中期检查, 验收, 期满考核) ------------------------------------------------------------

from . import services_followup as followups  # noqa: E402
from .choices import ReportStatus as R  # noqa: E402

EVENTS.update(
    {
        "followup.round_opened": _("Follow-up round opened"),
        "followup.round_stage": _("Follow-up round moved to its next stage"),
        "followup.report_saved": _("Follow-up report saved"),
        "followup.report_submitted": _("Follow-up report submitted"),
        "followup.review_started": _("Follow-up report sent to expert review"),
        "followup.review_assigned": _("Follow-up reviewer assigned"),
        "followup.review_submitted": _("Follow-up review scores submitted"),
        "followup.rectification": _("Rectification ordered (整改)"),
        "followup.concluded": _("Follow-up report concluded"),
    }
)

FOLLOWUP_REPORT = Lifecycle(
    key="programmes.followup_report",
    model="programmes.FollowUpReport",
    states=R,
    relationships={"province": services.is_province},
    transitions=[
        Transition(
            "submit",
            _("Submit the report"),
            source=[R.DRAFT, R.RECTIFYING],
            target=R.SUBMITTED,
            refused=_("Only a draft or a report under rectification can be submitted."),
            guards=[
                Guard("before_due", followups.guard_before_due),
                Guard("form_complete", followups.guard_form_complete),
            ],
            data=followups.submitted_data,
            event="followup.report_submitted",
            generic=False,
        ),
        Transition(
            "review",
            _("Send to expert review"),
            source=[R.SUBMITTED],
            target=R.UNDER_REVIEW,
            relationships=["province"],
            event="followup.review_started",
            generic=False,
        ),
        Transition(
            "rectify",
            _("Order rectification (整改)"),
            source=[R.SUBMITTED, R.UNDER_REVIEW],
            target=R.RECTIFYING,
            relationships=["province"],
            reason_required=True,
            reason_prompt=_("Say what must be rectified."),
            data=followups.rectify_data,
            effects=[followups.rectify_effect],
            event="followup.rectification",
            generic=False,
        ),
        Transition(
            "conclude",
            _("Conclude with an outcome"),
            source=[R.SUBMITTED, R.UNDER_REVIEW],
            target=R.CONCLUDED,
            relationships=["province"],
            data=followups.conclude_data,
            effects=[followups.conclude_effect],
            event="followup.concluded",
            generic=False,
        ),
    ],
)

LIFECYCLES.append(FOLLOWUP_REPORT)
