"""Who receives the work plan's messages (sent through ``core.notifications``)."""

from __future__ import annotations

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.orgs.models import Institution, Region

from ..models import (
    Assignment,
    Plan,
)


def _node_users(*, region: Region | None = None, institution: Institution | None = None) -> list:
    """The people who answer for a node: its city or school administrators."""
    qs = RoleAssignment.objects.select_related("user").filter(user__is_active=True)
    if region is not None:
        qs = qs.filter(region=region, role=Role.CITY_ADMIN)
    elif institution is not None:
        qs = qs.filter(institution=institution, role=Role.SCHOOL_ADMIN)
    else:
        return []
    seen, users = set(), []
    for ra in qs.order_by("user_id"):
        if ra.user_id not in seen:
            seen.add(ra.user_id)
            users.append(ra.user)
    return users


def assignment_recipients(assignment: Assignment) -> list:
    if assignment.assignee_id:
        return [assignment.assignee]
    return _node_users(region=assignment.region, institution=assignment.institution)


def division_heads(plan: Plan) -> list:
    """Who receives escalations: the plan's division head, else the province administrators."""
    if plan.head_id and plan.head.is_active:
        return [plan.head]
    qs = RoleAssignment.objects.select_related("user").filter(
        role=Role.PROVINCE_ADMIN, region=plan.region, user__is_active=True
    )
    return list({ra.user_id: ra.user for ra in qs}.values())
