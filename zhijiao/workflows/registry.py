"""Kinds of approval: which chain of nodes decides, and what happens when the chain ends.

Apps register their kinds at import time (``students.workflows_kinds``)::

    register_kind(WorkflowKind(
        key="students.registration",
        label=_("New-student registration"),
        levels=("city", "province"),
        on_approved=registration_approved,
    ))

The levels of a kind may be overridden per deployment with
``settings.WORKFLOW_CHAINS = {"students.registration": ["city"]}``. A kind may instead build its
chain itself (``build_chain``), e.g. a transfer that involves two schools and two cities.
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


def autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("workflow_kinds")
