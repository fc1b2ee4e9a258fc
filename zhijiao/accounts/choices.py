from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    PROVINCE_STAFF = "province_staff", _("Province staff")
    CITY_ADMIN = "city_admin", _("City bureau administrator")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    ENTERPRISE = "enterprise", _("Enterprise user")
    EXPERT = "expert", _("Expert")
    AUDITOR = "auditor", _("Auditor")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CHANGE = "change", _("Change")
    IMPORT = "import", _("Import")
    MANAGE_USERS = "manage_users", _("Manage users")
    VIEW_AUDIT = "view_audit", _("View audit log")


# What each role may do within its node's subtree. The auditor reads, never writes.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset({"view", "change", "import", "manage_users", "view_audit"}),
    Role.PROVINCE_STAFF: frozenset({"view", "change", "import"}),
    Role.CITY_ADMIN: frozenset({"view", "change", "import", "manage_users"}),
    Role.SCHOOL_ADMIN: frozenset({"view", "change", "import", "manage_users"}),
    Role.ENTERPRISE: frozenset({"view", "change"}),
    Role.EXPERT: frozenset(),
    Role.AUDITOR: frozenset({"view", "view_audit"}),
}

# Which kind of node each role is assigned at.
ROLE_NODE_KIND: dict[str, str | None] = {
    Role.PROVINCE_ADMIN: "province",
    Role.PROVINCE_STAFF: "province",
    Role.CITY_ADMIN: "city",
    Role.SCHOOL_ADMIN: "institution",
    Role.ENTERPRISE: "enterprise",
    Role.EXPERT: None,
    Role.AUDITOR: "province",
}

# How high a role sits in the tree (0 = province). An actor grants only roles at its own level or
# below, so a city admin never creates a province role and a school admin only school roles.
# Experts are not tied to a node and are managed by the province.
ROLE_LEVEL: dict[str, int] = {
    Role.PROVINCE_ADMIN: 0,
    Role.PROVINCE_STAFF: 0,
    Role.AUDITOR: 0,
    Role.EXPERT: 0,
    Role.CITY_ADMIN: 1,
    Role.SCHOOL_ADMIN: 2,
    Role.ENTERPRISE: 2,
}
