"""Reads for users: a user is visible where any of their roles sits inside the viewer's scope."""

from django.db.models import Prefetch, Q, QuerySet

from zhijiao.core.scoping import user_scope

from .models import RoleAssignment, User


def _role_scope_q(viewer, action: str) -> Q | None:
    scope = user_scope(viewer)
    if scope.is_superuser:
        return None
    q = Q(pk__in=[])
    for grant in scope.grants_for(action):
        if grant.region_path:
            q |= Q(role_assignments__region__path__startswith=grant.region_path)
            q |= Q(role_assignments__institution__region__path__startswith=grant.region_path)
            q |= Q(role_assignments__enterprise__region__path__startswith=grant.region_path)
        elif grant.institution_id:
            q |= Q(role_assignments__institution_id=grant.institution_id)
        elif grant.enterprise_id:
            q |= Q(role_assignments__enterprise_id=grant.enterprise_id)
    return q


def user_list(*, viewer, action: str = "manage_users") -> QuerySet[User]:
    """Users whose roles lie in the viewer's subtree (experts and role-less users: province only)."""
    q = _role_scope_q(viewer, action)
    roles = Prefetch(
        "role_assignments",
        queryset=RoleAssignment.objects.select_related("region", "institution", "enterprise"),
    )
    qs = User.objects.prefetch_related(roles)
    if q is None:
        return qs
    scope = user_scope(viewer)
    if any(g.region_path and g.region_path.count("/") == 1 for g in scope.grants_for(action)):
        q |= Q(role_assignments__isnull=True) | Q(role_assignments__region__isnull=True,
                                                  role_assignments__institution__isnull=True,
                                                  role_assignments__enterprise__isnull=True)
    ids = User.objects.filter(q).values("pk")
    return qs.filter(pk__in=ids)


def user_get(*, viewer, pk, action: str = "manage_users") -> User:
    return user_list(viewer=viewer, action=action).get(pk=pk)
