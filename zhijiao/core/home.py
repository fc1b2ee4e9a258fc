"""The home page's panels: each app tells what it shows to which kind of user (``<app>/home.py``).

A kind of user is read from the grants: ``province`` (a province-level region), ``city`` (a city),
``school`` (an institution), ``enterprise``, ``auditor`` (reads the audit log), ``expert``, and
``person`` (no role: the apps show a student their own record). An app's ``panels(*, user, kinds)`` returns ``Panel``s of
``Figure``s, each a number (or a short text) with the page it opens — a page that opens for that
user. Figures come from the apps' selectors (scoped), so the home page shows the user's own work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .contributions import contributed_callables
from .scoping import user_scope


@dataclass(frozen=True)
class Figure:
    label: str
    value: object
    url: str
    #: Marks a figure that asks for action (approvals waiting, open alerts) when it is not zero.
    attention: bool = False
    #: Place in a panel several apps fill (``Panel.key``).
    order: int = 50

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
    #: Panels of the same key from several apps are one panel (the overview's figure row).
    key: str = ""
    #: A template drawing the whole panel (charts, tables), given ``panel``; ``context`` is its data.
    template: str = ""
    context: dict = field(default_factory=dict)


#: The key and place of the province's and cities' overview: a row of figures (institutions, offered
#: majors, enterprises, majors) that several apps fill, then their charts.
OVERVIEW = "overview"
OVERVIEW_ORDER = 900


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


_providers: list = []


def panel_providers() -> list:
    """Every app's ``AppConfig.home_panels`` function."""
    if not _providers:
        _providers.extend(contributed_callables("home_panels"))
    return _providers


def home_panels(user) -> tuple[set[str], list[Panel]]:
    """The user's panels, in order; panels sharing a ``key`` (several apps' figures in one row) merge."""
    kinds = user_kinds(user)
    panels: list[Panel] = []
    by_key: dict[str, Panel] = {}
    for provider in panel_providers():
        for panel in provider(user=user, kinds=kinds):
            if panel.key and panel.key in by_key:
                by_key[panel.key].figures.extend(panel.figures)
                continue
            if panel.key:
                by_key[panel.key] = panel
            panels.append(panel)
    for panel in by_key.values():
        panel.figures.sort(key=lambda f: f.order)
    return kinds, sorted(panels, key=lambda p: p.order)


# --- the kernel's own panel: the audit log --------------------------------------
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
    return out
