"""The document lifecycle engine: declared states and transitions (``spec``), apps' declarations
(``registry``: ``AppConfig.lifecycles``), firing them (``engine``), one page and one API action
for every transition (``views``)."""

from .engine import (
    apply_outcome,
    apply_outcomes,
    available,
    awaiting_node,
    fire,
    last_reason,
    may_act,
    refusal,
    set_approval_backend,
    submit_for_approval,
)
from .registry import all_lifecycles, for_approval_kind, for_model, get
from .spec import OUTCOMES, Approval, Guard, Lifecycle, Outcome, Transition

__all__ = [
    "OUTCOMES",
    "Approval",
    "Guard",
    "Lifecycle",
    "Outcome",
    "Transition",
    "all_lifecycles",
    "apply_outcome",
    "apply_outcomes",
    "available",
    "awaiting_node",
    "fire",
    "for_approval_kind",
    "for_model",
    "get",
    "last_reason",
    "may_act",
    "refusal",
    "set_approval_backend",
    "submit_for_approval",
]
