"""The side menu, filtered by what the user may do. Apps add items here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .scoping import user_scope


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    action: str | None = "view"  # None: every signed-in user

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
    MenuItem(_("Users"), "accounts:user_list", "manage_users"),
    MenuItem(_("Imports"), "imports:index", "import"),
    MenuItem(_("Audit log"), "core:audit_list", "view_audit"),
]


def menu_for(user) -> list[MenuItem]:
    scope = user_scope(user)
    return [m for m in MENU if m.action is None or scope.allows(m.action)]
