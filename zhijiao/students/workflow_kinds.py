"""The students app's approval kinds (zhijiao.workflows.registry)."""

from django.utils.translation import gettext_lazy as _

from zhijiao.workflows.registry import WorkflowKind, register_kind

from . import services

register_kind(
    WorkflowKind(
        key="students.registration",
        label=_("New-student registration"),
        levels=("city", "province"),
        on_approved=services.registration_approved,
        on_returned=services.registration_returned,
        on_cancelled=services.registration_cancelled,
        on_resubmitted=services.registration_resubmitted,
    )
)
register_kind(
    WorkflowKind(
        key="students.status_change",
        label=_("Student status change"),
        levels=("city", "province"),
        build_chain=services.transfer_chain,
        on_approved=services.status_change_approved,
        on_returned=services.status_change_returned,
        on_cancelled=services.status_change_cancelled,
        on_resubmitted=services.status_change_resubmitted,
    )
)
register_kind(
    WorkflowKind(
        key="students.graduation",
        label=_("Graduation list"),
        levels=("city", "province"),
        on_approved=services.graduation_list_approved,
        on_returned=services.graduation_list_returned,
        on_cancelled=services.graduation_list_cancelled,
        on_resubmitted=services.graduation_list_resubmitted,
    )
)
