"""Helpers the work plan's writes share: text cleaning and who answers a task's reports."""

from __future__ import annotations

from zhijiao.accounts.choices import Role
from zhijiao.core.scoping import is_in_scope, user_scope
from zhijiao.core.validators import normalize_text

from ..models import (
    Task,
)

# --- helpers -------------------------------------------------------------------------------------


def _clean_text(value: str | None) -> str:
    return normalize_text(value or "").strip() if value else ""


def _is_province_admin(user) -> bool:
    scope = user_scope(user)
    return scope.is_superuser or any(
        g.role == Role.PROVINCE_ADMIN and g.region_path and g.region_path.count("/") == 1
        for g in scope.grants
    )


def can_acknowledge(user, task: Task) -> bool:
    """The task's owner answers its reports; the division head and province admins may too."""
    if user is None or not user.is_authenticated:
        return False
    if not is_in_scope(task, user, "change"):
        return False
    return user.pk in (task.owner_id, task.plan.head_id) or _is_province_admin(user)
