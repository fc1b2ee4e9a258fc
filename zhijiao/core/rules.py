"""The rule registry: every rule from a regulation the platform enforces, by id.

A rule has an id (``INT-PAY``, ``XJ-XIUXUE``), a short English title (translated where shown), the
official citation users see (文号 + article — never a web address or a research note; those stay in
``source``, for developers), its parameters (settings names with their defaults: the province changes a
number in settings, not in code), and the dates it is in force (``valid_from``/``valid_to``, both
inclusive, None for open). ``check`` is the rule's function, where the rule is one.

Apps contribute rules through their AppConfig: ``rules = "zhijiao.<app>.rules"`` names a module that
calls ``register`` when imported; the registry imports every such module the first time it is read.
Today: internships (《职业学校学生实习管理规定》 and the sweep's anomaly checks) and students (学籍).
Tomorrow: reporting validation, programme eligibility.
"""

from __future__ import annotations

import datetime
import importlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.conf import settings


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # English msgid (gettext_noop), translated where shown
    citation: str = ""  # 文号 + article, as users see it
    app: str = ""
    params: Mapping[str, object] = field(default_factory=dict)  # setting name → default
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    check: Callable | None = None
    source: str = ""  # the research trail (developers only, never shown)
    kind: str = "regulation"  # "regulation", or "platform" for the platform's own checks

    def in_force(self, on: datetime.date | None) -> bool:
        if on is None:
            return True
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    def param(self, name: str):
        """The rule's number ``name``: ``settings.<name>`` if set, else its default."""
        if name not in self.params:
            raise KeyError(f"{self.id} has no parameter {name}")
        return getattr(settings, name, self.params[name])


class RuleError(ValueError):
    pass


_rules: dict[str, Rule] = {}
_defaults: dict[str, object] = {}
_loaded = False
_lock = threading.RLock()


def register(rule: Rule) -> Rule:
    """Add a rule (an app's rules module calls this on import). Ids are unique; a parameter shared
    by several rules has one default."""
    if "http" in rule.citation or "://" in rule.citation:
        raise RuleError(f"{rule.id}: a citation names the document and article, not a web address")
    with _lock:
        old = _rules.get(rule.id)
        if old is not None and old != rule:
            raise RuleError(f"rule {rule.id} is registered twice")
        for name, default in rule.params.items():
            if _defaults.get(name, default) != default:
                raise RuleError(f"parameter {name} has two defaults")
            _defaults[name] = default
        _rules[rule.id] = rule
    return rule


def _contributed_modules() -> list[str]:
    from django.apps import apps

    return [m for cfg in apps.get_app_configs() if (m := getattr(cfg, "rules", None))]


def load() -> None:
    """Import every app's rules module (once)."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for module in _contributed_modules():
            importlib.import_module(module)
        _loaded = True


def get(rule_id: str) -> Rule:
    load()
    return _rules[rule_id]


def find(rule_id: str) -> Rule | None:
    load()
    return _rules.get(rule_id)


def all_rules(*, app: str | None = None, on: datetime.date | None = None) -> list[Rule]:
    """The registered rules (of one app; in force on a day), in registration order."""
    load()
    return [r for r in _rules.values() if (app is None or r.app == app) and r.in_force(on)]


def citation(rule_id: str) -> str:
    """What users see as the rule's basis ("" for an unknown id)."""
    rule = find(rule_id)
    return rule.citation if rule else ""


def title(rule_id: str) -> str:
    rule = find(rule_id)
    return rule.title if rule else rule_id


def param(name: str):
    """A rule parameter's value: ``settings.<name>`` if set, else the default its rule declares."""
    load()
    if name not in _defaults:
        raise KeyError(f"no rule declares the parameter {name}")
    return getattr(settings, name, _defaults[name])


def parameters() -> Mapping[str, object]:
    """Every declared parameter with its default (for documentation and settings checks)."""
    load()
    return MappingProxyType(dict(sorted(_defaults.items())))


__all__ = [
    "Rule",
    "RuleError",
    "all_rules",
    "citation",
    "find",
    "get",
    "load",
    "param",
    "parameters",
    "register",
    "title",
]
