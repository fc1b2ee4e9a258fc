"""Write helpers every app's services build on: validate, save, audit, check scope — atomically.

App services (``<entity>_<verb>``) call these inside their own ``transaction.atomic`` block; a
failure anywhere rolls the whole write back, audit entry included.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from .audit import AuditAction, audit_record, snapshot
from .scoping import is_in_scope


class OutOfScope(PermissionDenied):
    """The actor may not touch this object; views turn it into a 404."""


def ensure_in_scope(instance: models.Model, actor, action: str = "change") -> None:
    if instance.pk is None or not is_in_scope(instance, actor, action):
        raise OutOfScope(_("You do not have permission to change this record."))


def strip_invisible_fields(instance: models.Model) -> None:
    """Every text field of ``instance`` without invisible characters (``core.validators.
    strip_invisible``), whatever wrote it — a form, the API, an import. Fields named in the model's
    ``person_name_fields`` keep private-use code points (flagged rare characters in names)."""
    from .validators import strip_invisible

    keep = set(getattr(instance, "person_name_fields", ()))
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and not field.choices:
            value = getattr(instance, field.attname)
            if isinstance(value, str) and not value.isprintable():
                setattr(instance, field.attname, strip_invisible(value, keep_private_use=field.name in keep))


def _save_checked(instance: models.Model) -> None:
    strip_invisible_fields(instance)
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(_("The record conflicts with an existing one.")) from exc


@transaction.atomic
def model_create(
    *,
    actor,
    instance: models.Model,
    message: str = "",
    scope_action: str = "change",
    event: str = "",
) -> models.Model:
    """full_clean → save → audit (with the typed ``event``, core.events) → the new row must lie
    inside the actor's scope.

    ``scope_action`` names what the actor does when it is not a plain change — an action the
    model grants through a declared relationship only (a student ``file``s their own 直报).
    There is no way to skip the check: work outside any person's scope is done by a named
    system actor (``core.actors``).
    """
    _save_checked(instance)
    ensure_in_scope(instance, actor, scope_action)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        after=snapshot(instance),
        message=message,
        event=event,
    )
    return instance


@transaction.atomic
def model_update(
    *,
    actor,
    instance: models.Model,
    data: dict[str, Any],
    message: str = "",
    scope_action: str = "change",
    event: str = "",
) -> tuple[models.Model, bool]:
    """Apply ``data``; a no-op update writes nothing and records nothing. Returns (instance, changed)."""
    ensure_in_scope(instance, actor, scope_action)
    before = snapshot(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    after = snapshot(instance)
    if before == after:
        return instance, False
    _save_checked(instance)
    # Nobody may move a row out of the subtree they manage (STYLE.md §3).
    ensure_in_scope(instance, actor, scope_action)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=instance,
        before=before,
        after=snapshot(instance),
        message=message,
        event=event,
    )
    return instance, True


@transaction.atomic
def model_delete(*, actor, instance: models.Model, message: str = "", event: str = "") -> None:
    ensure_in_scope(instance, actor, "change")
    before = snapshot(instance)
    scope_path = instance.audit_scope_path() if hasattr(instance, "audit_scope_path") else ""
    pk, label, text = instance.pk, instance._meta.label_lower, str(instance)
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as exc:
        raise ValidationError(_("The record is still in use and cannot be deleted.")) from exc
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        object_type=label,
        object_id=str(pk),
        object_repr=text,
        scope_path=scope_path,
        before=before,
        message=message,
        event=event,
    )
