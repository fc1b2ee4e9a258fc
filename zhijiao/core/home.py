"""The home page's panels: each app tells what it shows to which kind of user (``<app>/home.py``).

A kind of user is read from the grants: ``province`` (a province-level region), ``city`` (a city),
``school`` (an institution), ``enterprise``, ``auditor`` (reads the audit log), ``expert``, and
``person`` (no role: the apps show a student their own record). An app's ``panels(*, user, kinds)`` returns ``Panel``s of
``Figure``s, each a number (or a short text) with the page it opens — a page that opens for that
user. Figures come from the apps' selectors (scoped), so the home page shows the user's own work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps

from .scoping import user_scope


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    url: str
    #: Marks a figure that asks for action (approvals waiting, open alerts) when it is not zero.
    attention: bool = False

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, int)


@dataclass
class Panel:
    title: str
    figures: list[Figure] = field(default_factory=list)
    order: int = 50
    #: A sentence shown under the figures (e.g. what an expert will find here).
    note: str = ""


def user_kinds(user) -> set[str]:
    scope = user_scope(user)
    kinds: set[str] = set()
    if scope.is_superuser:
        kinds.add("province")
    for g in scope.grants:
        if g.role == "auditor":
            kinds.add("auditor")
        elif g.role == "expert":
            kinds.add("expert")
        elif g.region_path:
            kinds.add("province" if g.region_path.count("/") == 1 else "city")
        elif g.institution_id:
            kinds.add("school")
        elif g.enterprise_id:
            kinds.add("enterprise")
    if not scope.grants and not scope.is_superuser:
        kinds.add("person")  # no role: a student (the apps check for a student record) or nobody yet
    return kinds


_modules: list = []


def home_modules() -> list:
    if not _modules:
        for config in apps.get_app_configs():
            name = f"{config.name}.home"
            if config.name.startswith("zhijiao.") and find_spec(name) is not None:
                _modules.append(import_module(name))
    return _modules


def home_panels(user) -> tuple[set[str], list[Panel]]:
    kinds = user_kinds(user)
    panels: list[Panel] = []
    for module in home_modules():
        panels += module.panels(user=user, kinds=kinds)
    return kinds, sorted(panels, key=lambda p: p.order)


# --- the kernel's own panels: the audit log, the expert's place --------------------------------------
def panels(*, user, kinds: set[str]) -> list[Panel]:
    from django.urls import reverse
    from django.utils.http import urlencode
    from django.utils.translation import gettext as _

    out = []
    if "auditor" in kinds:
        from .views.audit import audit_counts

        counts = audit_counts(user=user)
        base = reverse("core:audit_list")
        since = counts["since"].isoformat()
        out.append(
            Panel(
                _("Audit log, last 7 days"),
                [
                    Figure(_("Entries"), counts["entries"], f"{base}?{urlencode({'date_from': since})}"),
                    Figure(
                        _("Failed sign-ins"),
                        counts["login_failed"],
                        f"{base}?{urlencode({'date_from': since, 'action': 'login_failed'})}",
                        attention=True,
                    ),
                    Figure(
                        _("Exports"),
                        counts["export"],
                        f"{base}?{urlencode({'date_from': since, 'action': 'export'})}",
                    ),
                    Figure(
                        _("Full ID numbers viewed"),
                        counts["view_sensitive"],
                        f"{base}?{urlencode({'date_from': since, 'action': 'view_sensitive'})}",
                    ),
                ],
                order=5,
            )
        )
    if "expert" in kinds:
        out.append(
            Panel(
                _("Expert review"),
                [
                    Figure(_("Major catalogue"), _("Browse"), reverse("majors:major_list")),
                    Figure(_("Regions"), _("Browse"), reverse("orgs:region_list")),
                ],
                order=5,
                note=_(
                    "Applications assigned to you for review will be listed here once programme review "
                    "opens on the platform. Until then you can consult the national major catalogue and the "
                    "regions."
                ),
            )
        )
    return out
