"""The side menu: data, filtered per user, grouped by subsystem.

Each ``MenuItem`` says which action it needs and at which kinds of node (province, city, school,
enterprise) a grant must sit for the page to be of use; an entry is shown only when the user holds
such a grant. ``tests/test_crawl.py`` opens every entry as every demo role and fails on a 403 or 404,
so an item that declares too much is caught. (The items are data so that each app can later
contribute its own through its AppConfig.)
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.accounts.choices import ROLE_ACTIONS

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
    key: str
    label: object  # "" for the ungrouped items at the top


GROUPS = [
    MenuGroup("start", ""),
    MenuGroup("basic", _("Basic data")),
    MenuGroup("registry", _("Student registry")),
    MenuGroup("credentials", pgettext_lazy("menu group", "Certificates")),
    MenuGroup("internships", _("Internships")),
    MenuGroup("workplan", _("Work plan supervision")),
    MenuGroup("mine", _("My pages")),
    MenuGroup("system", _("System administration")),
]


@dataclass(frozen=True)
class MenuItem:
    label: object
    url_name: str
    group: str
    action: str | None = "view"  # None: every signed-in user
    nodes: frozenset[str] | None = ANY_NODE  # kinds of node whose grant (with ``action``) may use it
    # Extra condition on the user (dotted path to a callable), e.g. "has a student record".
    visible_if: str | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


STUDENT = "zhijiao.students.selectors.user_has_student_record"

MENU = [
    MenuItem(_("Home"), "core:home", "start", None),
    MenuItem(_("Awaiting my decision"), "workflows:worklist", "start", "change", SCHOOL_SIDE),
    # 基础数据
    MenuItem(_("Regions"), "orgs:region_list", "basic", "view", SCHOOL_SIDE),
    MenuItem(_("Institutions"), "orgs:institution_list", "basic", "view", SCHOOL_SIDE),
    # Reference data every role with a grant may read (an expert too, who holds no "view" action).
    MenuItem(
        _("Major catalogue"), "majors:major_list", "basic", None, SCHOOL_SIDE | {ENTERPRISE, UNATTACHED}
    ),
    MenuItem(_("Offered majors"), "majors:offering_list", "basic", "view", SCHOOL_SIDE),
    MenuItem(_("Enterprises"), "enterprises:enterprise_list", "basic", "view", AUTHORITIES | {ENTERPRISE}),
    # 学籍
    MenuItem(_("Students"), "students:student_list", "registry", "view", SCHOOL_SIDE),
    MenuItem(_("Registration batches"), "students:batch_list", "registry", "view", SCHOOL_SIDE),
    MenuItem(_("Status changes"), "students:change_list", "registry", "view", SCHOOL_SIDE),
    MenuItem(_("Graduation lists"), "students:graduation_list_list", "registry", "view", SCHOOL_SIDE),
    # 学历证书
    MenuItem(_("Certificates"), "credentials:certificate_list", "credentials", "view", SCHOOL_SIDE),
    MenuItem(_("Issue certificates"), "credentials:issue", "credentials", "change", SCHOOL_SIDE),
    MenuItem(_("Print certificates"), "credentials:print_batch", "credentials", "change", SCHOOL_SIDE),
    MenuItem(_("Publish credentials"), "credentials:publish", "credentials", "change", AUTHORITIES),
    # 实习
    MenuItem(_("Internship dashboard"), "internships:dashboard", "internships", "view", SCHOOL_SIDE),
    MenuItem(_("Internship plans"), "internships:plan_list", "internships", "view", SCHOOL_SIDE),
    MenuItem(
        _("Internship posts"), "internships:post_list", "internships", "view", SCHOOL_SIDE | {ENTERPRISE}
    ),
    MenuItem(
        _("Placements"), "internships:placement_list", "internships", "view", SCHOOL_SIDE | {ENTERPRISE}
    ),
    MenuItem(_("Compliance alerts"), "internships:alert_list", "internships", "view", SCHOOL_SIDE),
    MenuItem(_("Direct reports"), "internships:direct_report_list", "internships", "view", SCHOOL_SIDE),
    MenuItem(_("Special inspections"), "internships:inspection_list", "internships", "view", SCHOOL_SIDE),
    MenuItem(
        _("Mentor worklist"), "internships:worklist", "internships", "change", SCHOOL_SIDE | {ENTERPRISE}
    ),
    # 督办
    MenuItem(_("Work plan"), "workplan:board", "workplan", "view", SCHOOL_SIDE),
    # 我的 (students)
    MenuItem(_("My record"), "students:me", "mine", None, visible_if=STUDENT),
    MenuItem(_("My credentials"), "credentials:my", "mine", None, visible_if=STUDENT),
    MenuItem(_("My internship"), "internships:my", "mine", None, visible_if=STUDENT),
    # 系统管理
    MenuItem(_("Users"), "accounts:user_list", "system", "manage_users"),
    MenuItem(_("Imports"), "imports:index", "system", "import"),
    MenuItem(_("Audit log"), "core:audit_list", "system", "view_audit"),
]


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
    for item in MENU:
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
    for group in GROUPS:
        items = [e for e in entries if e["group"] == group.key]
        if items:
            groups.append({"key": group.key, "label": group.label, "items": items})
    return groups


def menu_entries(user) -> list[dict]:
    """The menu's items in order, without the groups (tests and the crawl start from them)."""
    return [item for group in menu_for(user) for item in group["items"]]
