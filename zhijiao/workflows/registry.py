"""Kinds of approval: which chain of nodes decides, and what happens when the chain ends.

Apps do not register kinds here: a document lifecycle (``core.lifecycle``, the app's
``lifecycles`` module) declares its ``Approval`` — kind, label, levels or ``build_chain`` — and the
outcomes as data (``Approval.on``); ``get_kind`` builds the ``WorkflowKind`` from it, whose hooks
hand the outcome back to the lifecycle engine (``core.lifecycle.apply_outcome``). ``register_kind``
stays for kinds without a document model (tests).

The levels of a kind may be overridden per deployment with
``settings.WORKFLOW_CHAINS = {"students.registration": ["city"]}``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class StepSpec:
    level: str  # StepLevel value
    node: Any  # an Institution or a Region


@dataclass(frozen=True)
class WorkflowKind:
    key: str
    label: Any
    levels: Sequence[str] = ("city", "province")
    # (request_target, institution, levels) -> [StepSpec]; default: the levels above the institution.
    build_chain: Callable[..., list[StepSpec]] | None = None
    on_approved: Callable[..., None] | None = None  # (request, actor)
    on_returned: Callable[..., None] | None = None  # (request, actor, reason)
    on_cancelled: Callable[..., None] | None = None  # (request, actor, reason)
    on_resubmitted: Callable[..., None] | None = None  # (request, actor)
    # (requests, actor): the final approvals of a bulk decision (``services.requests_approve``) at
    # once; without it ``on_approved`` runs for each.
    on_approved_many: Callable[..., None] | None = None

    def chain_levels(self) -> tuple[str, ...]:
        overrides = getattr(settings, "WORKFLOW_CHAINS", {}) or {}
        return tuple(overrides.get(self.key, self.levels))


_kinds: dict[str, WorkflowKind] = {}


def register_kind(kind: WorkflowKind) -> WorkflowKind:
    _kinds[kind.key] = kind
    return kind


def get_kind(key: str) -> WorkflowKind | None:
    if key not in _kinds:
        autodiscover()
    return _kinds.get(key)


def all_kinds() -> dict[str, WorkflowKind]:
    autodiscover()
    return dict(_kinds)


def _from_lifecycle(lc) -> WorkflowKind:
    from zhijiao.core.lifecycle import apply_outcome, apply_outcomes

    approval = lc.approval

    def hook(outcome):
        if outcome not in approval.on:
            return None
        if outcome in ("approved", "resubmitted"):
            return lambda request, actor: apply_outcome(lc, outcome, request, actor)
        return lambda request, actor, reason="": apply_outcome(lc, outcome, request, actor, reason)

    return WorkflowKind(
        key=approval.kind,
        label=approval.label,
        levels=tuple(approval.levels),
        build_chain=approval.build_chain,
        on_approved=hook("approved"),
        on_returned=hook("returned"),
        on_cancelled=hook("cancelled"),
        on_resubmitted=hook("resubmitted"),
        on_approved_many=(
            (lambda requests, actor: apply_outcomes(lc, "approved", requests, actor))
            if "approved" in approval.on
            else None
        ),
    )


def autodiscover() -> None:
    """The kinds declared by lifecycles (``AppConfig.lifecycles``), once."""
    from zhijiao.core.lifecycle import all_lifecycles

    for lc in all_lifecycles().values():
        if lc.approval is not None and lc.approval.kind not in _kinds:
            _kinds[lc.approval.kind] = _from_lifecycle(lc)
