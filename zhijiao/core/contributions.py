"""What the installed apps add to the platform, read from their AppConfig (docs/architecture.md).

An app declares its contributions as attributes of its ``AppConfig`` subclass (``<app>/apps.py``);
the kernel reads them here and never names an app. Adding an app is adding it to INSTALLED_APPS.

===================  ==========================================================================
attribute            value
===================  ==========================================================================
``menu``             ``MenuGroup``/``MenuItem`` objects (``core.navigation``)
``urls``             ``(prefix, "zhijiao.<app>.urls")`` pairs, mounted by ``config/urls.py``
``api_routes``       dotted path of ``register(router)`` (``core.api.urls``)
``importers``        dotted path of the module whose ``Importer`` classes ``register`` themselves
``demo_loader``      ``DemoLoader``: the app's demo data loader, and the apps it must run after
``home_panels``      dotted path of ``panels(*, user, kinds) -> list[Panel]`` (``core.home``)
``autocomplete``     dotted path of the module that ``register``s the app's ``ChoiceSource``s
``detail_panels``    ``{"<app_label>.<model>": dotted path of panel(request, obj) -> (template, context)}``
===================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.apps import AppConfig, apps
from django.utils.module_loading import import_string


def contributions(attr: str) -> Iterator[tuple[AppConfig, Any]]:
    """``(app config, value)`` for every installed app that declares ``attr``, in INSTALLED_APPS order."""
    for config in apps.get_app_configs():
        value = getattr(config, attr, None)
        if value:
            yield config, value


def contributed_callables(attr: str) -> list:
    """The callables named (by dotted path) by every app's ``attr``."""
    return [import_string(path) for _config, path in contributions(attr)]


def import_contributed_modules(attr: str) -> list:
    """Import the modules named by every app's ``attr`` (they register themselves on import)."""
    return [import_module(path) for _config, path in contributions(attr)]


@dataclass(frozen=True)
class DemoLoader:
    """An app's demo loader, run by ``core.demo.demo_load`` after the loaders of the apps (labels)
    in ``after``, otherwise in INSTALLED_APPS order. ``stage``: ``subsystem`` (the default) names
    ``load(*, actor)``, idempotent, run after the shared data and the accounts; ``reference`` and
    ``shared`` name ``load(ctx)`` (``core.demo.DemoContext``), run before the demo schools and
    before the accounts respectively. An app may declare a list of loaders (one per stage)."""

    path: str
    after: tuple[str, ...] = ()
    stage: str = "subsystem"


def demo_loaders() -> list[tuple[str, DemoLoader]]:
    """``(app label, loader)`` of every app, each after those it names in ``after``."""
    declared: dict[str, list[DemoLoader]] = {}
    for config, value in contributions("demo_loader"):
        declared[config.label] = list(value) if isinstance(value, list | tuple) else [value]
    ordered: list[tuple[str, DemoLoader]] = []
    done: set[str] = set()

    def visit(label: str, stack: tuple[str, ...] = ()) -> None:
        if label in done or label not in declared:
            return
        if label in stack:
            raise RuntimeError(f"demo loaders depend on each other in a cycle: {stack + (label,)}")
        for loader in declared[label]:
            for dep in loader.after:
                visit(dep, stack + (label,))
        done.add(label)
        ordered.extend((label, loader) for loader in declared[label])

    for label in declared:
        visit(label)
    return ordered
