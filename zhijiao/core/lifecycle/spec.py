"""The declarative parts of a document lifecycle: states, transitions, guards, effects, and the
approval chain as one kind of transition with its outcomes (hooks) declared as data.

A lifecycle is data in the app's ``lifecycles`` module::

    Lifecycle(
        key="students.registration",
        model="students.RegistrationBatch",
        states=BatchStatus,
        transitions=[
            Transition("submit", _("Submit for approval"), source=[DRAFT], target=IN_REVIEW,
                       guards=[Guard("has_students", batch_has_students)], approval=True,
                       event="registration.submitted"),
        ],
        approval=Approval(kind="students.registration", label=_("New-student registration"),
                          title=lambda b: …, on={"approved": Outcome(effect=registration_approved),
                                                 "returned": Outcome(state=RETURNED), …}),
    )

The engine (``core.lifecycle.engine``) checks and fires transitions; the approval mechanism
(``zhijiao.workflows``) reports a chain's outcome back to the lifecycle, which applies the
declared ``Outcome``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The outcomes an approval chain reports back (workflows: on final approval, return, cancel, resubmit).
OUTCOMES = ("approved", "returned", "cancelled", "resubmitted")


@dataclass(frozen=True)
class Guard:
    """A named precondition. ``check(obj, ctx)`` returns None when satisfied, else the reason
    (a translated sentence shown to the user, e.g. 注册截止日期已过)."""

    name: str
    check: Callable[[Any, dict], Any]


@dataclass(frozen=True)
class Transition:
    """One way out of some states.

    ``action``: what the actor needs on the object through ``restrict()`` (None: the guards or
    ``relationships`` decide alone, e.g. a task owner answering a report). ``relationships``: names of
    ``Lifecycle.relationships`` of which the actor must hold at least one. ``approval``: firing files
    the object into its approval chain (or resubmits a returned request); the chain's outcomes are
    the lifecycle's ``Approval.on``. ``data(obj, ctx)``: extra field values set with the state.
    ``effects``: ``(obj, actor, ctx)`` run after the state is saved, in the same transaction.
    """

    name: str
    label: Any
    source: Sequence[str]
    target: str | None = None
    action: str | None = "change"
    relationships: Sequence[str] = ()
    guards: Sequence[Guard] = ()
    data: Callable[[Any, dict], dict] | None = None
    effects: Sequence[Callable[..., Any]] = ()
    reason_required: bool = False
    reason_prompt: Any = ""  # the form's label and the error when a required reason is missing
    refused: Any = ""  # the sentence when the record is in no source state (default: generic)
    confirm: Any = ""
    event: str = ""
    approval: bool = False
    # Offered by the generic page/API action; False where a page of its own collects more input.
    generic: bool = True


@dataclass(frozen=True)
class Outcome:
    """What an approval outcome does to the document: a state (``None``: leave it), extra field
    values ``data(obj, request, reason)``, an ``effect(obj, request, actor, reason)`` (run first; it may
    return more field values), an audit event."""

    state: str | None = None
    data: Callable[..., dict] | None = None
    effect: Callable[..., Any] | None = None
    event: str = ""
    # The record is read again after the effect (which may have written it); False for an effect
    # that never writes the record itself (one statement less per outcome).
    refresh: bool = True


@dataclass(frozen=True)
class Approval:
    """The approval-chain kind of a lifecycle (``zhijiao.workflows``: school → city → province).

    ``levels`` may be overridden per deployment (``settings.WORKFLOW_CHAINS``); ``build_chain(obj,
    institution)`` builds an unusual chain itself (a transfer between two cities)."""

    kind: str
    label: Any
    title: Callable[[Any], str]
    institution: Callable[[Any], Any] = lambda obj: obj.institution
    levels: Sequence[str] = ("city", "province")
    build_chain: Callable[..., list] | None = None
    on: Mapping[str, Outcome] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Lifecycle:
    key: str
    model: str  # "app_label.ModelName"
    states: Any  # a TextChoices class (value → label)
    transitions: Sequence[Transition] = ()
    field: str = "status"
    approval: Approval | None = None
    # name → predicate(obj, actor): named relationships a transition may require
    # ("owner", "submitter", "approver at the current step" …).
    relationships: Mapping[str, Callable[[Any, Any], bool]] = dataclasses.field(default_factory=dict)
    # Relations loaded with the record when a transition or outcome locks it (``select_related``):
    # what its audit entry (``str()``, scope path), guards and effects read, in the same statement.
    related: Sequence[str] = ()

    @property
    def model_label(self) -> str:
        return self.model.lower()

    def model_class(self):
        from django.apps import apps

        return apps.get_model(self.model)

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise LookupError(f"{self.key} has no transition {name!r}")

    def state_label(self, value: str) -> str:
        return str(dict(self.states.choices).get(value, value))

    def state_of(self, obj) -> str:
        return getattr(obj, self.field)
