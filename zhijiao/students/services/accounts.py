"""accounts — part of services (split from one module at ~600 lines, STYLE.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zhijiao.core.services import model_update

from ..models import (
    Student,
)
from .base import _scoped


# --- accounts ---------------------------------------------------------------------------------------
@transaction.atomic
def student_link_account(*, actor, student: Student, user) -> Student:
    """Link a sign-in account to a student record (self-service pages under /students/me/); None unlinks.

    Only a plain account may be linked: a staff account (any role, or a superuser) would otherwise
    be handed a student's self-service pages by whoever manages that student.
    """
    if user is not None and (user.is_superuser or not user.is_active or user.role_assignments.exists()):
        raise ValidationError(_("Only an active account without staff roles can be a student account."))
    if user is not None and Student.objects.filter(user=user).exclude(pk=student.pk).exists():
        raise ValidationError(_("This account already belongs to another student."))
    instance, _c = model_update(check_scope=_scoped(), actor=actor, instance=student, data={"user": user})
    return instance


__all__ = [name for name in dir() if not name.startswith("_")] + ["Q"]
