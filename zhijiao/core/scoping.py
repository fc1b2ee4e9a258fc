"""The one place that turns a user into what they may see and change.

Every list, detail, search, export, API endpoint and job calls ``restrict``. A user holds roles
at nodes (``accounts.RoleAssignment``); a region node covers its whole subtree by path prefix,
an institution or enterprise node covers rows owned by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet

from zhijiao.accounts.choices import ROLE_ACTIONS, Role


@dataclass(frozen=True)
class Grant:
    role: str
    region_path: str | None = None
    institution_id: int | None = None
    enterprise_id: int | None = None

    @property
    def node_kind(self) -> str | None:
        if self.region_path:
            return "region"
        if self.institution_id:
            return "institution"
        if self.enterprise_id:
            return "enterprise"
        return None


@dataclass(frozen=True)
class UserScope:
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    is_superuser: bool = False

    def allows(self, action: str) -> bool:
        return self.is_superuser or any(action in ROLE_ACTIONS[g.role] for g in self.grants)

    def grants_for(self, action: str) -> list[Grant]:
        return [g for g in self.grants if action in ROLE_ACTIONS[g.role]]

    def has_role(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def region_paths(self) -> list[str]:
        return [g.region_path for g in self.grants if g.region_path]

    @property
    def institution_ids(self) -> list[int]:
        return [g.institution_id for g in self.grants if g.institution_id]

    @property
    def enterprise_ids(self) -> list[int]:
        return [g.enterprise_id for g in self.grants if g.enterprise_id]

    @property
    def is_province(self) -> bool:
        return self.is_superuser or any(g.region_path and g.region_path.count("/") == 1 for g in self.grants)


_CACHE_ATTR = "_zhijiao_scope"


def user_scope(user) -> UserScope:
    """The user's grants, loaded once per user object (one query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return UserScope()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from zhijiao.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(user=user).values_list(
        "role", "region__path", "institution_id", "enterprise_id"
    )
    scope = UserScope(
        grants=tuple(Grant(role=r, region_path=p, institution_id=i, enterprise_id=e) for r, p, i, e in rows),
        is_superuser=user.is_superuser,
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def clear_scope_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def scope_q(
    model: type[Model], user, action: str = "view", *, owner_of: type[Model] | None = None
) -> Q | None:
    """A Q selecting the rows of ``model`` the user may act on; None means every row.

    Returns ``Q(pk__in=[])`` when nothing is allowed. With ``owner_of``, ``model`` is an owner in the
    tree (a region, institution or enterprise) and the Q selects the owners under which the user
    may ``action`` rows of ``owner_of`` — the choices of a form's owner field: a school may not
    change its institution, but may file internship plans under it.
    """
    scope = user_scope(user)
    nothing = Q(pk__in=[])
    if not getattr(user, "is_authenticated", False):
        return nothing
    rules = owner_of or model
    if action == "view" and getattr(rules, "scope_public_view", False):
        return None
    if scope.is_superuser:
        return None
    if action == "view" and any(
        g.node_kind in getattr(rules, "scope_public_view_nodes", frozenset())
        for g in scope.grants_for("view")
    ):
        return None
    change_nodes = getattr(rules, "scope_change_nodes", frozenset())
    region_lookup = getattr(model, "scope_region_path", None)
    institution_lookup = getattr(model, "scope_institution", None)
    enterprise_lookup = getattr(model, "scope_enterprise", None)
    q = nothing
    for grant in scope.grants_for(action):
        kind = grant.node_kind
        if action != "view" and kind not in change_nodes:
            continue
        if kind == "region" and region_lookup:
            q |= Q(**{f"{region_lookup}__startswith": grant.region_path})
        elif kind == "institution" and institution_lookup:
            q |= Q(**{institution_lookup: grant.institution_id})
        elif kind == "enterprise" and enterprise_lookup:
            q |= Q(**{enterprise_lookup: grant.enterprise_id})
    return q


def restrict(
    queryset: QuerySet, user, action: str = "view", *, owner_of: type[Model] | None = None
) -> QuerySet:
    """Filter ``queryset`` to what ``user`` may ``action``. The only scoping function.

    ``owner_of=Model``: ``queryset`` holds owners (institutions, enterprises, regions) and is
    filtered to those under which the user may ``action`` rows of ``Model`` (see ``scope_q``).
    """
    q = scope_q(queryset.model, user, action, owner_of=owner_of)
    if q is None:
        return queryset
    return queryset.filter(q)


def is_in_scope(instance: Model, user, action: str = "view") -> bool:
    """After a write: is the object still inside the actor's scope?"""
    model = type(instance)
    return restrict(model._default_manager.filter(pk=instance.pk), user, action).exists()


def can(user, action: str) -> bool:
    """Whether the user holds any role allowing ``action`` somewhere."""
    return user_scope(user).allows(action)


__all__ = ["Grant", "Role", "UserScope", "can", "is_in_scope", "restrict", "scope_q", "user_scope"]
