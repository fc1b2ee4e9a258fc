"""Student sign-in accounts: link an existing plain account, or open one for the student (issue 3 item 8)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.services import ensure_in_scope, model_update

from ..models import (
    Student,
)


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
    instance, _c = model_update(actor=actor, instance=student, data={"user": user})
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


# --- a whole class at once ---------------------------------------------------------------------------
#: Initial passwords avoid characters read wrongly off paper (0/O/o, 1/l/I).
PASSWORD_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
PASSWORD_LOWER = "abcdefghijkmnpqrstuvwxyz"
PASSWORD_DIGITS = "23456789"
PASSWORD_ALPHABET = PASSWORD_UPPER + PASSWORD_LOWER + PASSWORD_DIGITS
PASSWORD_LENGTH = 10


def bulk_accounts_max() -> int:
    """Accounts opened in one request (``STUDENTS_BULK_ACCOUNTS_MAX``, default 100: a class is 40–60).
    Each password is hashed with PBKDF2 (≈ 0.25 s), so 100 take ≈ 25 s, inside the deployment's
    60 s worker timeout (docs/deploy.md)."""
    from django.conf import settings

    return int(getattr(settings, "STUDENTS_BULK_ACCOUNTS_MAX", 100))


def initial_password(user) -> str:
    """A random password that passes the project's password policy for ``user`` (10 characters,
    upper, lower and digits, none of 0/O/o/1/l/I)."""
    import secrets

    from django.contrib.auth.password_validation import validate_password

    for _attempt in range(50):
        password = "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_LENGTH))
        if not all(
            any(c in cls for c in password) for cls in (PASSWORD_UPPER, PASSWORD_LOWER, PASSWORD_DIGITS)
        ):
            continue
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    raise ValidationError(_("No initial password could be generated; check the password policy settings."))


def student_username_base(student: Student) -> str:
    """The username a student's account starts from: ``s`` + the school's five-digit code + the
    student's record number (``s12345-678``). Never the 学籍号: it holds the ID number, and a
    username is shown in lists, sign-in logs and audit entries unmasked."""
    code = "".join(c for c in (student.current_institution.code or "") if c.isdigit())[-5:]
    return f"s{code}-{student.pk}" if code else f"s{student.pk}"


def _free_username(base: str) -> str:
    from zhijiao.accounts.models import User

    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def student_accounts_bulk_create(*, actor, students) -> list[tuple[Student, object, str]]:
    """Open and link a sign-in account for each student (a class at the start of a term).

    All or nothing: a student outside the actor's ``change`` scope raises ``OutOfScope``; a student
    who already has an account, an empty batch or one above ``STUDENTS_BULK_ACCOUNTS_MAX`` raises
    ``ValidationError``. Returns ``(student, user, initial_password)``; the passwords are stored only
    as hashes, so the caller must hand them out now (the one-time sheet).
    """
    from zhijiao.accounts.models import User
    from zhijiao.accounts.services import plain_user_create

    chosen = list({s.pk: s for s in students}.values())
    if not chosen:
        raise ValidationError(_("Choose at least one student."))
    limit = bulk_accounts_max()
    if len(chosen) > limit:
        raise ValidationError(
            _("At most %(max)d accounts can be opened at once; %(n)d students were chosen.")
            % {"max": limit, "n": len(chosen)}
        )
    for student in chosen:
        ensure_in_scope(student, actor, "change")
    # Every chosen row locked and re-read: the objects handed in may be stale, and two registrars
    # may open accounts for the same class at once (the second then waits and finds them linked).
    rows = (
        Student.objects.select_for_update()
        .filter(pk__in=[s.pk for s in chosen])
        .order_by("pk")
        .values_list("name", "user_id")
    )
    linked = sorted(name for name, user_id in rows if user_id)
    if linked:
        raise ValidationError(
            _("These students already have an account; nothing was created: %(names)s")
            % {"names": ", ".join(linked)}
        )
    result = []
    for student in chosen:
        username = _free_username(student_username_base(student))
        password = initial_password(User(username=username, display_name=student.name))
        user = plain_user_create(actor=actor, username=username, display_name=student.name, password=password)
        student_link_account(actor=actor, student=student, user=user)
        result.append((student, user, password))
    return result
