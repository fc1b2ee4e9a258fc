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
    """An app's demo loader: ``path`` names ``load(*, actor) -> dict | object`` (idempotent), run by
    ``core.demo.demo_load`` after the shared data and after the loaders of the apps (labels) in
    ``after``; otherwise in INSTALLED_APPS order."""

    path: str
    after: tuple[str, ...] = ()


def demo_loaders() -> list[tuple[str, DemoLoader]]:
    """``(app label, loader)`` of every app, each after those it names in ``after``."""
    declared = {config.label: loader for config, loader in contributions("demo_loader")}
    ordered: list[tuple[str, DemoLoader]] = []
    done: set[str] = set()

    def visit(label: str, stack: tuple[str, ...] = ()) -> None:
        if label in done or label not in declared:
            return
        if label in stack:
            raise RuntimeError(f"demo loaders depend on each other in a cycle: {stack + (label,)}")
        for dep in declared[label].after:
            visit(dep, stack + (label,))
        done.add(label)
        ordered.append((label, declared[label]))

    for label in declared:
        visit(label)
    return ordered
