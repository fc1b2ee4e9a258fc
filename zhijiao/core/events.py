"""Typed audit events: the named things that happen to records (``enrolment.registered``,
``approval.returned``, ``certificate.revoked`` …), each with its Chinese label.

Besides its field diff, an audit entry may carry one event name (``AuditEntry.event``); the audit
page and API filter by it. The names live in this one registry: the kernel's own below, and each
app's in the module it declares as ``AppConfig.lifecycles`` (``EVENTS = {name: label}``), loaded
by ``core.lifecycle.registry``. Writing an entry with a name nobody registered is an error, so a
typo fails the first test that takes that path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

_events: dict[str, Any] = {}


def register_events(events: Mapping[str, Any]) -> None:
    """Add ``{name: label}``; a name is ``<thing>.<past participle>``, lower case."""
    for name, label in events.items():
        if not name or "." not in name or name != name.lower():
            raise ValueError(f"audit event names look like 'thing.happened', not {name!r}")
        _events[name] = label


# The kernel's events: the approval chain (workflows) and the lifecycle engine.
register_events(
    {
        "approval.submitted": _("Approval request submitted"),
        "approval.approved": _("Approval step approved"),
        "approval.completed": _("Approval completed"),
        "approval.returned": _("Approval request returned"),
        "approval.resubmitted": _("Approval request resubmitted"),
        "approval.cancelled": _("Approval request cancelled"),
    }
)


def _loaded() -> dict[str, Any]:
    from .lifecycle.registry import autodiscover

    autodiscover()
    return _events


def is_registered(name: str) -> bool:
    return name in _loaded()


def check(name: str) -> str:
    """``name`` if registered (or empty); a name nobody registered raises ``ValueError``."""
    if name and name not in _loaded():
        raise ValueError(f"unregistered audit event {name!r}: add it to the app's lifecycles EVENTS")
    return name


def label(name: str) -> str:
    """The event's Chinese label (the name itself when unknown, e.g. an event since removed)."""
    return str(_loaded().get(name, name)) if name else ""


def choices() -> list[tuple[str, str]]:
    """(name, label) of every registered event, by label: the audit filter's choices."""
    return sorted(((n, str(lbl)) for n, lbl in _loaded().items()), key=lambda c: c[1])
