from .navigation import menu_for


def navigation(request):
    """``nav_menu`` (the side menu) and ``user_roles`` (labels for the user menu)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": []}
    return {"nav_menu": menu_for(user, request.path), "current_user_org": _LazyOrg(user)}


class _LazyOrg:
    """The user's role and organisation, looked up only when a template prints it."""

    def __init__(self, user):
        self.user = user
        self._value = None

    def _load(self):
        if self._value is None:
            from zhijiao.accounts.models import RoleAssignment

            ra = (
                RoleAssignment.objects.filter(user=self.user)
                .select_related("region", "institution", "enterprise")
                .order_by("id")
                .first()
            )
            self._value = (ra.get_role_display(), str(ra.node or "")) if ra else ("", "")
        return self._value

    @property
    def role(self):
        return self._load()[0]

    @property
    def org(self):
        return self._load()[1]
