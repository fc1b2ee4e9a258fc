"""Where lifecycles come from: each app's ``AppConfig.lifecycles`` names a module (``"<app>.lifecycles"``)
holding ``LIFECYCLES`` (a sequence of ``Lifecycle``) and ``EVENTS`` (``{audit event: label}``).

The kernel keeps no list of them: it reads the attribute of every installed app, once.
"""

from __future__ import annotations

import threading

from django.apps import apps

from .spec import Lifecycle

_lifecycles: dict[str, Lifecycle] = {}
_loaded = False
_lock = threading.RLock()


def autodiscover() -> None:
    """Import every app's lifecycles module (idempotent, thread-safe)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        from importlib import import_module

        from .. import events

        found: dict[str, Lifecycle] = {}
        for cfg in apps.get_app_configs():
            dotted = getattr(cfg, "lifecycles", None)
            if not dotted:
                continue
            module = import_module(dotted)
            events.register_events(getattr(module, "EVENTS", {}))
            for lc in getattr(module, "LIFECYCLES", ()):
                if lc.key in found:
                    raise ValueError(f"lifecycle {lc.key!r} declared twice")
                found[lc.key] = lc
        _lifecycles.update(found)
        _loaded = True


def get(key: str) -> Lifecycle:
    autodiscover()
    try:
        return _lifecycles[key]
    except KeyError:
        raise LookupError(f"no lifecycle {key!r}") from None


def all_lifecycles() -> dict[str, Lifecycle]:
    autodiscover()
    return dict(_lifecycles)


def for_model(model) -> list[Lifecycle]:
    """The lifecycles declared on ``model`` (a class or an instance)."""
    label = model._meta.label_lower
    return [lc for lc in all_lifecycles().values() if lc.model_label == label]


def for_approval_kind(kind: str) -> Lifecycle | None:
    """The lifecycle whose approval transition files requests of ``kind`` (workflows)."""
    for lc in all_lifecycles().values():
        if lc.approval is not None and lc.approval.kind == kind:
            return lc
    return None
