"""Firing transitions of declared lifecycles (``core.lifecycle.spec``), and applying the outcomes
an approval chain reports back.

Every transition runs in one transaction: lock the row, check (in this order) that the actor may
act on it (``restrict()`` action and named relationships), that it is in a source state, the
reason where one is required, and the named guards; then set the state (``model_update``: full
clean, audit entry with the transition's typed event), file it into its approval chain when the
transition is an approval, and run the effects. Refusals are ``ValidationError``s with a Chinese
sentence (``OutOfScope`` for an object beyond the actor's scope, which pages turn into 404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..services import OutOfScope, ensure_in_scope, model_update
from ..validators import normalize_text, validate_plain_text
from . import registry
from .spec import OUTCOMES, Lifecycle, Transition

# The approval mechanism registers itself here (``zhijiao.workflows`` in its AppConfig.ready), so the
# kernel's engine files documents into chains without importing the app that stores them.
_approval_backend = None


def set_approval_backend(backend) -> None:
    """``backend`` offers ``submit(lifecycle, obj, *, actor, note, check_scope)`` (files a new request
    or resubmits the returned one) and ``current_node(obj, kind)`` (who must decide now)."""
    global _approval_backend
    _approval_backend = backend


def _backend():
    if _approval_backend is None:
        raise ValidationError(_("Approvals are not available on this installation."))
    return _approval_backend


def _lifecycle(lifecycle: Lifecycle | str) -> Lifecycle:
    return registry.get(lifecycle) if isinstance(lifecycle, str) else lifecycle


def _transition(lc: Lifecycle, transition: Transition | str) -> Transition:
    return lc.transition(transition) if isinstance(transition, str) else transition


def _locked(lc: Lifecycle, pk):
    """The record, locked for the transition, with the lifecycle's ``related`` rows."""
    return (
        lc.model_class()
        ._default_manager.select_for_update(of=("self",))
        .select_related(*lc.related)
        .get(pk=pk)
    )


def _reload(lc: Lifecycle, obj) -> None:
    if lc.related:
        obj.refresh_from_db(from_queryset=lc.model_class()._default_manager.select_related(*lc.related))
    else:
        obj.refresh_from_db()


def may_act(lc: Lifecycle, obj, t: Transition, actor) -> bool:
    """The actor may fire ``t`` on ``obj`` as far as who they are goes (not the state or guards)."""
    from ..scoping import is_in_scope

    if t.action is not None and not is_in_scope(obj, actor, t.action):
        return False
    if t.relationships:
        return any(lc.relationships[name](obj, actor) for name in t.relationships)
    return True


def refusal(lc: Lifecycle, obj, t: Transition, ctx: dict | None = None) -> str | None:
    """Why ``t`` cannot fire on ``obj`` now (its state, then its guards), or None."""
    state = lc.state_of(obj)
    if state not in t.source:
        if t.refused:
            return str(t.refused)
        return _("This record is “%(state)s”; it cannot be “%(action)s” now.") % {
            "state": lc.state_label(state),
            "action": t.label,
        }
    for guard in t.guards:
        reason = guard.check(obj, ctx or {})
        if reason:
            return str(reason)
    return None


def available(lifecycle: Lifecycle | str, obj, actor, *, generic_only: bool = True) -> list[Transition]:
    """The transitions ``actor`` may fire on ``obj`` now (the buttons a page offers)."""
    lc = _lifecycle(lifecycle)
    return [
        t
        for t in lc.transitions
        if (t.generic or not generic_only)
        and lc.state_of(obj) in t.source
        and may_act(lc, obj, t, actor)
        and refusal(lc, obj, t) is None
    ]


@transaction.atomic
def fire(
    lifecycle: Lifecycle | str,
    obj,
    transition: Transition | str,
    *,
    actor,
    reason: str = "",
    **ctx: Any,
):
    """Fire ``transition`` on ``obj``; returns the saved object. There is no way around the
    permission checks: a loader's write is done by a named system actor (``core.actors``)."""
    lc = _lifecycle(lifecycle)
    t = _transition(lc, transition)
    obj = _locked(lc, obj.pk)
    if t.action is not None:
        ensure_in_scope(obj, actor, t.action)
    if t.relationships and not any(lc.relationships[n](obj, actor) for n in t.relationships):
        raise OutOfScope(_("You may not do this to this record."))
    reason = normalize_text(reason or "")
    validate_plain_text(reason)
    if lc.state_of(obj) not in t.source:
        raise ValidationError(refusal(lc, obj, t, ctx))
    if t.reason_required and not reason:
        raise ValidationError({"reason": str(t.reason_prompt or _("Give a reason."))})
    ctx["reason"] = reason
    problem = refusal(lc, obj, t, ctx)
    if problem:
        raise ValidationError(problem)
    data: dict[str, Any] = {}
    if t.approval and _approval_backend is not None:
        # Without the approvals app the document's own state is the whole machine.
        ctx["approval_request"] = _approval_backend.submit(lc, obj, actor=actor, note=reason)
        _reload(lc, obj)  # a resubmission's outcome may have moved it already
    if t.target is not None:
        data[lc.field] = t.target
    if t.data is not None:
        data.update(t.data(obj, ctx))
    obj, _changed = model_update(
        actor=actor,
        instance=obj,
        data=data,
        # A transition granted by a relationship only (no action) still needs the record in sight.
        scope_action=t.action or "view",
        message=reason,
        event=t.event,
    )
    for effect in t.effects:
        effect(obj, actor, ctx)
    return obj


def apply_outcome(lifecycle: Lifecycle | str, outcome: str, request, actor, reason: str = "") -> None:
    """An approval chain ended (or came back): apply what the lifecycle declares for ``outcome``.

    Runs inside the chain's transaction (a failing effect rolls the decision back)."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    lc = _lifecycle(lifecycle)
    declared = lc.approval.on.get(outcome) if lc.approval else None
    if declared is None:
        return
    obj = _locked(lc, request.object_id)
    data: dict[str, Any] = {}
    if declared.effect is not None:
        data.update(declared.effect(obj, request, actor, reason) or {})
        if declared.refresh:
            _reload(lc, obj)
    if declared.state is not None:
        data[lc.field] = declared.state
    if declared.data is not None:
        data.update(declared.data(obj, request, reason))
    if data or declared.event:
        model_update(actor=actor, instance=obj, data=data, message=reason, event=declared.event)


def _plain_fields_only(model, names) -> bool:
    """Whether a change of only ``names`` may be written set-based with the checks ``model_update``
    makes: plain concrete fields (no relation, not unique, in no constraint), a model without a
    ``save`` of its own and without save signals — then ``full_clean``'s foreign-key, unique and
    constraint checks concern fields the change leaves as stored."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db import models as m
    from django.db.models import signals

    if model.save is not m.Model.save:
        return False
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        return False
    meta = model._meta
    constrained = {name for group in meta.unique_together for name in group}
    for constraint in meta.total_unique_constraints:
        constrained.update(constraint.fields)
    if any(not isinstance(c, m.UniqueConstraint) or c.condition is not None for c in meta.constraints):
        return False
    for name in names:
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if not field.concrete or field.is_relation or field.unique or field.primary_key:
            return False
        if field.name in constrained:
            return False
    return True


def _update_many(actor, items: list, *, message: str = "", event: str = "") -> None:
    """``core.services.model_update`` of many rows of one model, set-based: the scope checks before
    and after (one query each), each row's checks in memory (``clean_fields`` but the stored foreign
    keys, ``clean``), one ``bulk_update`` of the changed fields and ``updated_at``, and the audit
    entries (the same content as ``model_update``'s) in one bulk write. ``items``: (instance, data).
    A change the set-based write cannot check as ``model_update`` does (a foreign key, a unique
    field …) is written by ``model_update`` itself, row by row."""
    from django.utils import timezone

    from ..audit import AuditAction, actor_fields, entry_row, snapshot, write_entries
    from ..scoping import restrict
    from ..services import strip_invisible_fields

    if not items:
        return
    model = type(items[0][0])
    names = {name for _obj, data in items for name in data}
    if not _plain_fields_only(model, names):
        for obj, data in items:
            model_update(actor=actor, instance=obj, data=data, message=message, event=event)
        return
    manager = model._default_manager

    def in_scope() -> set:
        pks = [obj.pk for obj, _data in items]
        return set(restrict(manager.filter(pk__in=pks), actor, "change").values_list("pk", flat=True))

    allowed = in_scope()
    changed = []
    for obj, data in items:
        if obj.pk not in allowed:
            raise OutOfScope(_("You do not have permission to change this record."))
        before = snapshot(obj)
        for name, value in data.items():
            setattr(obj, name, value)
        after = snapshot(obj)
        if before != after:
            changed.append((obj, before))
    if not changed:
        return
    relational = [f.name for f in model._meta.concrete_fields if f.is_relation]
    now = timezone.now()
    auto_now = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
    for obj, _before in changed:
        strip_invisible_fields(obj)
        obj.clean_fields(exclude=relational)
        obj.clean()
        for f in auto_now:
            setattr(obj, f.attname, now)
    fields = sorted(names | {f.name for f in auto_now})
    try:
        manager.bulk_update([obj for obj, _before in changed], fields)
    except IntegrityError as exc:  # as ``model_update``; the caller's atomic block is undone
        raise ValidationError(_("The record conflicts with an existing one.")) from exc
    allowed = in_scope()
    if any(obj.pk not in allowed for obj, _before in changed):
        # Nobody may move a row out of the subtree they manage (STYLE.md §3).
        raise OutOfScope(_("You do not have permission to change this record."))
    who = actor_fields(actor)
    write_entries(
        [
            entry_row(
                who=who,
                action=AuditAction.UPDATE,
                instance=obj,
                before=before,
                after=snapshot(obj),
                message=message,
                event=event,
            )
            for obj, before in changed
        ]
    )


@transaction.atomic
def apply_outcomes(lifecycle: Lifecycle | str, outcome: str, requests, actor, reason: str = "") -> None:
    """``apply_outcome`` for many requests of one lifecycle at once (a bulk approval): the records
    locked in one statement, each outcome's effect and data as for one, then the state changes
    written set-based (``_update_many``: one update, one bulk audit write with every record's typed
    event). The same rows and entries as ``apply_outcome`` one request after another."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    lc = _lifecycle(lifecycle)
    declared = lc.approval.on.get(outcome) if lc.approval else None
    if declared is None or not requests:
        return
    model = lc.model_class()
    ids = [request.object_id for request in requests]
    locked = {
        obj.pk: obj
        for obj in model._default_manager.select_for_update(of=("self",))
        .select_related(*lc.related)
        .filter(pk__in=ids)
        .order_by("pk")
    }
    missing = [pk for pk in ids if pk not in locked]
    if missing:
        raise model.DoesNotExist(f"{lc.model} {missing}")
    items = []
    for request in requests:
        obj = locked[request.object_id]
        data: dict[str, Any] = {}
        if declared.effect is not None:
            data.update(declared.effect(obj, request, actor, reason) or {})
        items.append((obj, request, data))
    if declared.effect is not None and declared.refresh:
        fresh = model._default_manager.select_related(*lc.related).in_bulk(ids)
        items = [(fresh[obj.pk], request, data) for obj, request, data in items]
    updates = []
    for obj, request, data in items:
        if declared.state is not None:
            data[lc.field] = declared.state
        if declared.data is not None:
            data.update(declared.data(obj, request, reason))
        if data or declared.event:
            updates.append((obj, data))
    _update_many(actor, updates, message=reason, event=declared.event)


def submit_for_approval(lifecycle: Lifecycle | str, obj, *, actor, note: str = ""):
    """File ``obj`` into its lifecycle's approval chain outside a transition (a document created
    already in review, such as a status change)."""
    lc = _lifecycle(lifecycle)
    return _backend().submit(lc, obj, actor=actor, note=note)


def awaiting_node(obj, lifecycle: Lifecycle | str | None = None):
    """Which node of the tree must act on ``obj`` now: the school or authority at the current step
    of its open approval request, or None. For authorization ("approver at the current step")."""
    lcs = [_lifecycle(lifecycle)] if lifecycle else registry.for_model(obj)
    for lc in lcs:
        if lc.approval is not None and _approval_backend is not None:
            node = _approval_backend.current_node(obj, lc.approval.kind)
            if node is not None:
                return node
    return None


def last_reason(obj, event: str):
    """The reason given with the object's latest ``event`` (a transition's or an outcome's typed
    audit event, e.g. ``submission.returned``) and its audit entry, or ``None``: what a returned
    document shows its author — the reason is kept as that entry's message. One indexed read."""
    from zhijiao.core.models import AuditEntry

    return (
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), event=event)
        .exclude(message="")
        .only("message", "timestamp", "actor_name", "actor_org")
        .order_by("-timestamp", "-id")
        .first()
    )
