"""Reads for users: a user is visible where any of their roles sits inside the viewer's scope.

Seeing a user is not the same as managing them: ``can_manage_user`` asks that *every* role the user
holds lies inside the viewer's scope and not above the viewer, so a city admin never resets the
password of a province admin who also happens to hold a role in that city.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.scoping import Grant, restrict, user_scope

from .choices import ROLE_LEVEL, ROLE_NODE_KIND, Role
from .models import RoleAssignment, User


def enterprise_node_list(*, user) -> QuerySet:
    """The enterprises at which the user may grant an enterprise role (a role's node).

    The model is read from ``RoleAssignment.enterprise``: the kernel holds grants at enterprises
    without importing the enterprises app, which sits above it.
    """
    model = RoleAssignment._meta.get_field("enterprise").related_model
    return restrict(model._default_manager.select_related("region"), user)


def _is_province_grant(grant: Grant) -> bool:
    return bool(grant.region_path) and grant.region_path.count("/") == 1


def role_assignments_prefetch() -> Prefetch:
    return Prefetch(
        "role_assignments",
        queryset=RoleAssignment.objects.select_related(
            "region", "institution__region", "enterprise__region"
        ).order_by("id"),
    )


def user_list(*, viewer, action: str = "manage_users") -> QuerySet[User]:
    """Users whose roles lie in the viewer's subtree (experts and role-less users: province only),
    as ``User.scope_relations`` declares. Superusers sit outside the tree: only superusers see
    them. System actors (core.actors) are not people: nobody manages them."""
    from zhijiao.core.actors import PREFIX

    qs = restrict(User.objects.prefetch_related(role_assignments_prefetch()), viewer, action)
    qs = qs.exclude(username__startswith=PREFIX, is_active=False)
    if user_scope(viewer).is_superuser:
        return qs
    return qs.filter(is_superuser=False)


def user_get(*, viewer, pk, action: str = "manage_users") -> User:
    return user_list(viewer=viewer, action=action).get(pk=pk)


# --- what a viewer may do to users and roles ---------------------------------------------------


def _node_path(*, region=None, institution=None, enterprise=None) -> str | None:
    if region is not None:
        return region.path
    owner = institution or enterprise
    if owner is not None:
        return owner.region.path if owner.region_id else ""
    return None


def _grant_covers(grant: Grant, *, region=None, institution=None, enterprise=None) -> bool:
    """Does the node (or, with no node, the province-wide pool) lie inside the grant's subtree?"""
    path = _node_path(region=region, institution=institution, enterprise=enterprise)
    if path is None:
        return _is_province_grant(grant)
    if grant.region_path:
        return bool(path) and path.startswith(grant.region_path)
    if institution is not None:
        return grant.institution_id == institution.pk
    if enterprise is not None:
        return grant.enterprise_id == enterprise.pk
    return False


def can_grant(viewer, role: str, *, region=None, institution=None, enterprise=None) -> bool:
    """May ``viewer`` hand out ``role`` at this node? Inside its manage_users scope, never above itself."""
    scope = user_scope(viewer)
    if scope.is_superuser:
        return True
    if role not in ROLE_LEVEL:
        return False
    return any(
        ROLE_LEVEL[g.role] <= ROLE_LEVEL[role]
        and _grant_covers(g, region=region, institution=institution, enterprise=enterprise)
        for g in scope.grants_for("manage_users")
    )


def can_manage_user(viewer, user: User) -> bool:
    """May ``viewer`` edit, (de)activate or reset ``user``? Every role the user holds must be grantable."""
    scope = user_scope(viewer)
    if scope.is_superuser:
        return True
    if user.is_superuser:
        return False
    assignments = list(user.role_assignments.all())
    if not assignments:
        return any(_is_province_grant(g) for g in scope.grants_for("manage_users"))
    return all(
        can_grant(viewer, ra.role, region=ra.region, institution=ra.institution, enterprise=ra.enterprise)
        for ra in assignments
    )


def grantable_roles(viewer) -> list[tuple[str, str]]:
    """The (value, label) roles the viewer could grant somewhere, for form choices."""
    scope = user_scope(viewer)
    if scope.is_superuser:
        return list(Role.choices)
    grants = scope.grants_for("manage_users")
    result = []
    for value, label in Role.choices:
        kind = ROLE_NODE_KIND[value]
        for g in grants:
            if ROLE_LEVEL[g.role] > ROLE_LEVEL[value]:
                continue
            if kind in ("province", None) and not _is_province_grant(g):
                continue
            if kind == "city" and not (g.region_path and g.region_path.count("/") <= 2):
                continue
            if kind == "enterprise" and not (g.region_path or g.enterprise_id):
                continue
            if kind == "institution" and not (g.region_path or g.institution_id):
                continue
            result.append((value, label))
            break
    return result


def user_has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def user_sign_ins(*, user: User, limit: int = 10) -> QuerySet[AuditEntry]:
    """Recent successful and failed sign-ins recorded for ``user``."""
    return AuditEntry.objects.filter(
        object_type="accounts.user",
        object_id=str(user.pk),
        action__in=[AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT],
    )[:limit]


def user_history(*, user: User, limit: int = 50) -> QuerySet[AuditEntry]:
    """Changes to the user and to the roles they hold or held."""
    pk = user.pk
    return AuditEntry.objects.filter(
        Q(
            object_type="accounts.user",
            object_id=str(pk),
            action__in=[AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE],
        )
        | Q(object_type="accounts.roleassignment", after__user=pk)
        | Q(object_type="accounts.roleassignment", before__user=pk)
    )[:limit]
