"""Writes for the work plan. Only these functions change the workplan tables.

Each is keyword-only with an explicit ``actor``, runs in one transaction, validates with
``full_clean`` and records an audit entry (through ``core.services``); mails go out on commit.
One module per subject; every name is re-exported here (``services.report_submit``)."""

from .assignments import (
    _node_in_scope,
    assignment_create,
)
from .base import (
    _clean_text,
    _is_province_admin,
    can_acknowledge,
)
from .forums import (
    forum_create,
    forum_update,
)
from .recipients import (
    _node_users,
    assignment_recipients,
    division_heads,
)
from .reminders import (
    _due_kind,
    _due_message,
    reminders_send,
)
from .reported import (
    target_link_indicator,
    targets_sync_reported,
)
from .reports import (
    answer_not_before_report,
    evidence_limits,
    may_answer_report,
    report_acknowledge,
    report_answered,
    report_not_answered,
    report_submit,
    validate_evidence,
    validate_link,
)
from .tasks import (
    TASK_EDIT_FIELDS,
    _check_alternative,
    _check_in_plan_year,
    dependency_add,
    milestone_create,
    milestone_update,
    target_update_actual,
    task_update,
    task_update_progress,
    would_create_cycle,
)

__all__ = [
    "_node_in_scope",
    "assignment_create",
    "_clean_text",
    "_is_province_admin",
    "can_acknowledge",
    "forum_create",
    "forum_update",
    "_node_users",
    "assignment_recipients",
    "division_heads",
    "_due_kind",
    "_due_message",
    "reminders_send",
    "answer_not_before_report",
    "evidence_limits",
    "may_answer_report",
    "report_acknowledge",
    "report_answered",
    "report_not_answered",
    "report_submit",
    "validate_evidence",
    "validate_link",
    "target_link_indicator",
    "targets_sync_reported",
    "TASK_EDIT_FIELDS",
    "_check_alternative",
    "_check_in_plan_year",
    "dependency_add",
    "milestone_create",
    "milestone_update",
    "target_update_actual",
    "task_update",
    "task_update_progress",
    "would_create_cycle",
]
