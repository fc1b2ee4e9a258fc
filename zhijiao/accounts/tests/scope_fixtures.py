"""Scope-matrix rule for user accounts: a user is seen where one of their roles lies in the viewer's
``manage_users`` subtree (accounts.selectors); experts and role-less users by the province only;
superusers by superusers only."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from zhijiao.accounts.choices import ROLE_ACTIONS
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.testing_scope import grants_of, object_url, scope_rule


def _user(row, user, action) -> bool:
    if row.username.startswith("system:") and not row.is_active:
        return False  # system actors (core.actors) are nobody's to manage
    if user.is_superuser:
        return True
    if row.is_superuser:
        return False
    managing = [g for g in grants_of(user) if "manage_users" in ROLE_ACTIONS[g.role]]
    if not managing:
        return False
    held = list(
        RoleAssignment.objects.filter(user=row).select_related(
            "region", "institution__region", "enterprise__region"
        )
    )
    province = any(g.path and g.path.count("/") == 1 for g in managing)
    if province and (not held or any(ra.node is None for ra in held)):
        return True
    for ra in held:
        node_path = (
            ra.region.path
            if ra.region_id
            else ra.institution.region.path
            if ra.institution_id
            else ra.enterprise.region.path
            if ra.enterprise_id
            else None
        )
        for g in managing:
            if g.path and node_path and node_path.startswith(g.path):
                return True
            if g.institution_id and ra.institution_id == g.institution_id:
                return True
            if g.enterprise_id and ra.enterprise_id == g.enterprise_id:
                return True
    return False


scope_rule(get_user_model(), _user)
for name in ("user_detail", "user_edit", "user_roles", "user_active", "user_password", "user_otp_reset"):
    object_url(f"accounts:{name}", get_user_model())
