"""Scope-matrix rules for approvals: the requests and steps are written by the students' fixtures
(registration batches, status changes, graduation lists of three schools). A request is read by
every node on its chain through its steps (``ApprovalRequest.scope_relations``)."""

from __future__ import annotations

from zhijiao.core.testing_scope import object_url
from zhijiao.workflows.models import ApprovalRequest

object_url("workflows:request_detail", ApprovalRequest)
