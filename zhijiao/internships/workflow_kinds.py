"""The internships app's approval kind: 实习方案备案 (zhijiao.workflows.registry)."""

from django.utils.translation import gettext_lazy as _

from zhijiao.workflows.registry import WorkflowKind, register_kind

from . import services

register_kind(
    WorkflowKind(
        key=services.FILING_KIND,
        label=_("Internship plan filing"),
        levels=("city", "province"),
        on_approved=services.filing_approved,
        on_returned=services.filing_returned,
        on_cancelled=services.filing_cancelled,
        on_resubmitted=services.filing_resubmitted,
    )
)
