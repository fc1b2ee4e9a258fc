"""Scope-matrix rules for approvals: the requests and steps are written by the students' fixtures
(registration batches, status changes, graduation lists of three schools)."""

from __future__ import annotations

from zhijiao.core.testing_scope import may, object_url, scope_access
from zhijiao.workflows.models import ApprovalRequest


def _seen_through_steps(row, user) -> bool:
    """A request is read by every node on its chain (the city and province reviewing a school's)."""
    return any(may(user, step, "view") for step in row.steps.all())


scope_access(ApprovalRequest, view=_seen_through_steps)
object_url("workflows:request_detail", ApprovalRequest)
