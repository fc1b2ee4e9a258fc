"""The side menu: data, filtered per user, grouped by subsystem.

Each ``MenuItem`` says which action it needs and at which kinds of node (province, city, school,
enterprise) a grant must sit for the page to be of use; an entry is shown only when the user holds
such a grant. ``tests/test_crawl.py`` opens every entry as every demo role and fails on a 403 or 404,
so an item that declares too much is caught. Each app contributes its groups and items in
``AppConfig.menu``; the kernel names no app.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from zhijiao.accounts.choices import ROLE_ACTIONS

from .contributions import contributions
from .scoping import Grant, user_scope

# Kinds of node a grant sits at. "province" and "city" are both region grants (city: any region
# below the province); "institution" a school or college; "enterprise" a host enterprise.
PROVINCE, CITY, INSTITUTION, ENTERPRISE = "province", "city", "institution", "enterprise"
UNATTACHED = "unattached"  # a role held at no node (the expert)
AUTHORITIES = frozenset({PROVINCE, CITY})
SCHOOL_SIDE = frozenset({PROVINCE, CITY, INSTITUTION})
ANY_NODE = None


@dataclass(frozen=True)
class MenuGroup:
    """A subsystem's heading in the menu; an app contributes its own in ``AppConfig.menu``."""

    key: str
    label: object  # "" for the ungrouped items at the top
    order: int = 50


@dataclass(frozen=True)
class MenuItem:
    label: object
    url_name: str
    group: str
    action: str | None = "view"  # None: every signed-in user
    nodes: frozenset[str] | None = ANY_NODE  # kinds of node whose grant (with ``action``) may use it
    # Extra condition on the user (dotted path to a callable), e.g. "has a student record".
    visible_if: str | None = None
    #: Place within the group; items of equal order keep INSTALLED_APPS order.
    order: int = 50

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _contributed() -> tuple[list[MenuGroup], list[MenuItem]]:
    groups: dict[str, MenuGroup] = {}
    items: list[MenuItem] = []
    for config, entries in contributions("menu"):
        for entry in entries:
            if isinstance(entry, MenuGroup):
                if entry.key in groups:
                    raise ImproperlyConfigured(f"{config.name}: menu group {entry.key!r} is declared twice")
                groups[entry.key] = entry
            else:
                items.append(entry)
    return sorted(groups.values(), key=lambda g: g.order), sorted(items, key=lambda i: i.order)


_cache: list = []


def menu_groups() -> list[MenuGroup]:
    """Every app's menu groups, in their order."""
    if not _cache:
        _cache.append(_contributed())
    return _cache[0][0]


def menu_items() -> list[MenuItem]:
    """Every app's menu items (``AppConfig.menu``), by order, then INSTALLED_APPS order."""
    if not _cache:
        _cache.append(_contributed())
    return _cache[0][1]


def node_kind(grant: Grant) -> str:
    if grant.region_path:
        return PROVINCE if grant.region_path.count("/") == 1 else CITY
    if grant.institution_id:
        return INSTITUTION
    if grant.enterprise_id:
        return ENTERPRISE
    return UNATTACHED


def item_allowed(item: MenuItem, user, scope=None) -> bool:
    """Whether ``user`` holds a grant that opens ``item`` (its action at one of its kinds of node)."""
    scope = scope or user_scope(user)
    if item.visible_if and not import_string(item.visible_if)(user):
        return False
    if scope.is_superuser or (item.action is None and item.nodes is None):
        return True
    return any(
        (item.action is None or item.action in ROLE_ACTIONS[g.role])
        and (item.nodes is None or node_kind(g) in item.nodes)
        for g in scope.grants
    )


def menu_for(user, current_path: str = "") -> list[dict]:
    """The menu of ``user``: groups ``{label, items}`` of items ``{label, url, url_name, active}``.

    Groups without an item are left out; unknown routes (an app not installed) are skipped.
    """
    scope = user_scope(user)
    entries = []
    for item in menu_items():
        if not item_allowed(item, user, scope):
            continue
        try:
            url = item.url
        except NoReverseMatch:
            continue
        entries.append({"label": item.label, "url": url, "url_name": item.url_name, "group": item.group})
    # The longest matching prefix is the active entry ("/" only matches the home page itself).
    best = None
    for entry in entries:
        url = entry["url"]
        if current_path == url or (url != "/" and current_path.startswith(url)):
            if best is None or len(url) > len(best["url"]):
                best = entry
    for entry in entries:
        entry["active"] = entry is best
    groups = []
    for group in menu_groups():
        items = [e for e in entries if e["group"] == group.key]
        if items:
            groups.append({"key": group.key, "label": group.label, "items": items})
    return groups


def menu_entries(user) -> list[dict]:
    """The menu's items in order, without the groups (tests and the crawl start from them)."""
    return [item for group in menu_for(user) for item in group["items"]]
