"""The side menu, filtered by what the user may do. Apps add items here."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .scoping import user_scope


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: str | None = "view"  # None: every signed-in user
    # Extra condition on the user (dotted path to a callable), e.g. "has a student record".
    visible_if: str | None = None

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU = [
    MenuItem(_("Home"), "core:home", None),
    MenuItem(_("Regions"), "orgs:region_list", None),
    MenuItem(_("Institutions"), "orgs:institution_list"),
    MenuItem(_("Major catalogue"), "majors:major_list", None),
    MenuItem(_("Offered majors"), "majors:offering_list"),
    MenuItem(_("Enterprises"), "enterprises:enterprise_list"),
    MenuItem(_("Students"), "students:student_list"),
    MenuItem(_("Registration batches"), "students:batch_list"),
    MenuItem(_("Status changes"), "students:change_list"),
    MenuItem(_("Graduation lists"), "students:graduation_list_list"),
    MenuItem(_("Certificates"), "credentials:certificate_list"),
    MenuItem(_("Issue certificates"), "credentials:issue", "change"),
    MenuItem(_("Print certificates"), "credentials:print_batch", "change"),
    MenuItem(_("Publish credentials"), "credentials:publish", "change"),
    MenuItem(_("Internships"), "internships:dashboard"),
    MenuItem(_("Internship plans"), "internships:plan_list"),
    MenuItem(_("Placements"), "internships:placement_list"),
    MenuItem(_("Compliance alerts"), "internships:alert_list"),
    MenuItem(_("Direct reports"), "internships:direct_report_list"),
    MenuItem(_("Special inspections"), "internships:inspection_list"),
    MenuItem(_("Mentor worklist"), "internships:worklist", "change"),
    MenuItem(_("Awaiting my decision"), "workflows:worklist", "change"),
    MenuItem(_("My record"), "students:me", None, "zhijiao.students.selectors.user_has_student_record"),
    MenuItem(
        _("My credentials"), "credentials:my", None, "zhijiao.students.selectors.user_has_student_record"
    ),
    MenuItem(
        _("My internship"), "internships:my", None, "zhijiao.students.selectors.user_has_student_record"
    ),
    MenuItem(_("Work plan"), "workplan:board", None),
    MenuItem(_("Users"), "accounts:user_list", "manage_users"),
    MenuItem(_("Imports"), "imports:index", "import"),
    MenuItem(_("Audit log"), "core:audit_list", "view_audit"),
]


def menu_for(user, current_path: str = "") -> list[dict]:
    """The items the user may open, each {label, url, active}; unknown routes are skipped."""
    scope = user_scope(user)
    entries = []
    for item in MENU:
        if item.action is not None and not scope.allows(item.action):
            continue
        if item.visible_if and not import_string(item.visible_if)(user):
            continue
        try:
            url = item.url
        except NoReverseMatch:  # an app not installed in this deployment
            continue
        entries.append({"label": item.label, "url": url, "url_name": item.url_name})
    # The longest matching prefix is the active entry ("/" only matches the home page itself).
    best = None
    for entry in entries:
        url = entry["url"]
        if current_path == url or (url != "/" and current_path.startswith(url)):
            if best is None or len(url) > len(best["url"]):
                best = entry
    for entry in entries:
        entry["active"] = entry is best
    return entries
