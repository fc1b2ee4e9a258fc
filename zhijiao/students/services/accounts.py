"""Student sign-in accounts: link an existing plain account, or open one for the student (issue 3 item 8)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.services import ensure_in_scope, model_update

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


@transaction.atomic
def student_account_create(*, actor, student: Student, username: str, password: str):
    """Open a sign-in account for a student of the actor's school and link it in one step.

    The registrar needs ``change`` on the student; the account has no role, so it sees only the
    student's own pages. The student should change the initial password after signing in.
    """
    from zhijiao.accounts.services import plain_user_create

    ensure_in_scope(student, actor, "change")
    if student.user_id:
        raise ValidationError(_("This student already has an account; unlink it first."))
    user = plain_user_create(actor=actor, username=username, display_name=student.name, password=password)
    student_link_account(actor=actor, student=student, user=user)
    return user
