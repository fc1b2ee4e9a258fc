"""The one place that turns a user into what they may see and change.

Every list, detail, search, export, API endpoint and job calls ``restrict``. A user holds roles
at nodes (``accounts.RoleAssignment``); a region node covers its whole subtree by path prefix,
an institution or enterprise node covers rows owned by it.

**The tree.** A model says how its rows reach the tree with the ``scope_*`` attributes of
``core.models.ScopedModel`` (``scope_region_path``, ``scope_institution``, ``scope_enterprise``,
``scope_public_view``, ``scope_public_view_nodes``, ``scope_change_nodes``).

**Relationships.** Some people reach rows outside their subtree because of who they are to the
row, not where they sit: the student whose placement it is, the mentor assigned to it, the city
that reviews a transfer into its school. A model declares these once, per action, and ``restrict``
ORs them into the same single ``Q`` as the tree — no selector adds rows by hand::

    class Placement(ScopedModel):
        scope_relations = {
            "view": (
                Rel.own_person("enrolment__student__user"),   # the student
                Rel.assigned("mentors", is_current=True),     # a current mentor
            ),
        }

    class ApprovalRequest(ScopedModel):
        scope_relations = {"view": (Rel.via("steps"),), "change": (Rel.via("steps"),)}

The kinds of relationship:

- ``Rel.own_person(path)``: ``path`` leads to a user (``"reporter"``, ``"placement__enrolment__
  student__user"``); the row is that person's own. It applies to a person acting as themselves —
  a user who holds no role. Staff act through their grants, never as a person.
- ``Rel.assigned(path, **where)``: ``path`` leads to assignment rows (a reverse foreign key, e.g.
  ``"mentors"`` or ``"placement__mentors"``) each naming a ``user``; the row is the assigned
  user's (mentor, reviewer, expert, assignee). ``where`` narrows the assignment rows
  (``is_current=True``). Tried only for users who hold at least one such assignment (one query
  per user and assignment model, cached on the user).
- ``Rel.via(path)``: the row is seen through a related record the user may act on with the same
  action — a request through any of its approval ``steps`` (the approver of each step), a status
  change through its ``approval``, an inspection through its sampled ``items``, a user through
  the roles they hold. The related model's own declaration (tree and relationships) decides.
- ``Rel.outside_tree(path)``: rows with no place in the tree through ``path`` (no related row, or
  one at no node — a user without roles, an expert) belong to the province: users holding a
  province-level grant for the action reach them.

``scope_region_path`` may also be a tuple of lookups when a row reaches the tree through one of
several nodes (``RoleAssignment``: a region, an institution's region or an enterprise's region).

Relationships are not added for a user whose grants for the action already cover the province
(every row of a model with a region path lies under it), so province-wide lists keep the plain
tree condition an index serves. Where that path cannot be empty — every foreign key on the way is
required, ending at ``Region.path`` itself — a grant at the province's root needs no condition at
all (``SCOPE_ONE_PROVINCE``: the platform holds one province, whose root every region lies under):
the province's lists do not join each row to its school and region to find what is theirs anyway.
``reaches_beyond_tree(model, user, action)`` tells whether any relationship applies to a user
(lists that read maintained tallies of the tree use it).

**System actors** (``core.actors``) are inactive users standing for the platform's own work (the
daily sweep, background imports, loaders); their grants are declared there, not held in
``RoleAssignment``. ``user_scope`` reads them from that declaration.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

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
    if user is None or not getattr(user, "is_authenticated", False):
        return UserScope()
    if not user.is_active:
        # An inactive account holds nothing — except a system actor, whose grants are declared.
        from zhijiao.core.actors import actor_grants

        return UserScope(grants=actor_grants(user))
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
    for attr in (_CACHE_ATTR, _REL_CACHE_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


# --- relationships declared on models ---------------------------------------------------------------

_REL_CACHE_ATTR = "_zhijiao_relations"


def _resolve(model: type[Model], path: str):
    """The model reached by ``path`` and the last hop's field (forward or reverse)."""
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model
    return model, field


@dataclass(frozen=True)
class Rel:
    """One relationship through which a user reaches rows outside their subtree (see the module)."""

    kind: str
    path: str
    where: tuple[tuple[str, object], ...] = ()

    @classmethod
    def own_person(cls, path: str) -> Rel:
        return cls("own_person", path)

    @classmethod
    def assigned(cls, path: str, **where) -> Rel:
        return cls("assigned", path, tuple(sorted(where.items())))

    @classmethod
    def via(cls, path: str) -> Rel:
        return cls("via", path)

    @classmethod
    def outside_tree(cls, path: str) -> Rel:
        return cls("outside_tree", path)

    # -- split of the path: prefix (to the row holding the relation) and the last hop
    @property
    def prefix(self) -> str:
        return self.path.rpartition("__")[0]

    def target(self, model: type[Model]):
        """(related model, last field) of the path from ``model``."""
        return _resolve(model, self.path)

    def applies_to(self, model: type[Model], user, action: str) -> bool:
        """Could this relationship give ``user`` any row at all? Cheap, cached on the user."""
        if self.kind == "own_person":
            return not user_scope(user).grants
        if self.kind == "outside_tree":
            return any(_is_root(g) for g in user_scope(user).grants_for(action))
        if self.kind == "assigned":
            assignments = self.target(model)[0]
            cache = user.__dict__.setdefault(_REL_CACHE_ATTR, {})
            key = assignments._meta.label
            if key not in cache:
                cache[key] = assignments._default_manager.filter(user_id=user.pk).exists()
            return cache[key]
        return True

    def q(self, model: type[Model], user, action: str) -> Q:
        if self.kind == "own_person":
            return Q(**{self.path: user.pk})
        related, field = self.target(model)
        outer = self.prefix or "pk"
        if self.kind == "assigned":
            rows = related._default_manager.filter(
                **{field.field.name: OuterRef(outer)}, user_id=user.pk, **dict(self.where)
            )
            return Q(Exists(rows))
        reverse = field.is_relation and (field.one_to_many or field.many_to_many) and not field.concrete
        if self.kind == "outside_tree":
            # No related row, or one placed at no node (all of its scope lookups empty).
            if not reverse:
                raise TypeError("Rel.outside_tree follows a reverse relation (rows pointing at this one)")
            unplaced = {
                f"{lookup}__isnull": True
                for lookup in (
                    *region_lookups(related),
                    getattr(related, "scope_institution", None),
                    getattr(related, "scope_enterprise", None),
                )
                if lookup
            }
            rows = related._default_manager.all()
            key = field.field.attname
            holders = f"{self.prefix}__pk__in" if self.prefix else "pk__in"
            return Q(**{holders: rows.filter(**unplaced).values(key)}) | ~Q(**{holders: rows.values(key)})
        # via: the related records the user may act on, by their own declaration
        visible = restrict(related._default_manager.all(), user, action)
        if reverse:
            lookup = f"{self.prefix}__pk__in" if self.prefix else "pk__in"
            return Q(**{lookup: visible.values(field.field.attname)})
        return Q(**{f"{self.path}__in": visible.values("pk")})


def _is_root(grant: Grant) -> bool:
    return bool(grant.region_path) and grant.region_path.count("/") == 1


def region_lookups(model) -> tuple[str, ...]:
    """``scope_region_path`` as a tuple: a row may reach the tree through one of several nodes
    (a role held at a region, an institution or an enterprise)."""
    value = getattr(model, "scope_region_path", None)
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def relations_for(model: type[Model], action: str) -> tuple[Rel, ...]:
    return tuple(getattr(model, "scope_relations", {}).get(action, ()))


@functools.cache
def _path_always_set(model: type[Model], lookup: str) -> bool:
    """Whether every row of ``model`` reaches a region at ``lookup``: the lookup ends at the path of
    ``orgs.Region`` itself (not a copy of a path kept on another row, which may be empty) and each
    hop is a required forward foreign key (or one-to-one), never a nullable, reverse or many-to-many
    one."""
    from django.apps import apps

    parts = lookup.split(LOOKUP_SEP)
    current = model
    for part in parts[:-1]:
        try:
            hop = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not (hop.many_to_one or hop.one_to_one) or hop.auto_created or hop.null:
            return False
        current = hop.related_model
    return current is apps.get_model("orgs", "Region") and parts[-1] == "path"


def _root_covers_every_row(model: type[Model], grant: Grant, lookups: tuple[str, ...]) -> bool:
    """A region grant at the province's root, on a model whose rows all have a region path."""
    return (
        settings.SCOPE_ONE_PROVINCE
        and _is_root(grant)
        and any(_path_always_set(model, lookup) for lookup in lookups)
    )


def _tree_covers_province(model: type[Model], scope: UserScope, action: str) -> bool:
    """Does a province-level grant for ``action`` already reach every row of ``model``?"""
    if not getattr(model, "scope_region_path", None):
        return False
    if action != "view" and "region" not in getattr(model, "scope_change_nodes", frozenset()):
        return False
    return any(_is_root(g) for g in scope.grants_for(action))


def _relations(model: type[Model], user, action: str) -> list[Rel]:
    rels = relations_for(model, action)
    if not rels or not user.is_active or _tree_covers_province(model, user_scope(user), action):
        return []
    return [r for r in rels if r.applies_to(model, user, action)]


def reaches_beyond_tree(model: type[Model], user, action: str = "view") -> bool:
    """Whether a relationship may give ``user`` rows of ``model`` outside their subtree."""
    if not getattr(user, "is_authenticated", False) or user_scope(user).is_superuser:
        return False
    return bool(_relations(model, user, action))


def scope_q(
    model: type[Model],
    user,
    action: str = "view",
    *,
    owner_of: type[Model] | None = None,
    tree_only: bool = False,
) -> Q | None:
    """A Q selecting the rows of ``model`` the user may act on; None means every row.

    Returns ``Q(pk__in=[])`` when nothing is allowed. With ``owner_of``, ``model`` is an owner in the
    tree (a region, institution or enterprise) and the Q selects the owners under which the user
    may ``action`` rows of ``owner_of`` — the choices of a form's owner field: a school may not
    change its institution, but may file internship plans under it. ``tree_only`` leaves the
    declared relationships out (figures about an organisation's subtree).
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
    region_paths = region_lookups(model)
    institution_lookup = getattr(model, "scope_institution", None)
    enterprise_lookup = getattr(model, "scope_enterprise", None)
    q = nothing
    for grant in scope.grants_for(action):
        kind = grant.node_kind
        if action != "view" and kind not in change_nodes:
            continue
        if kind == "region" and region_paths:
            if _root_covers_every_row(model, grant, region_paths):
                return None  # every row (see the module's docstring)
            for lookup in region_paths:
                q |= Q(**{f"{lookup}__startswith": grant.region_path})
        elif kind == "institution" and institution_lookup:
            q |= Q(**{institution_lookup: grant.institution_id})
        elif kind == "enterprise" and enterprise_lookup:
            q |= Q(**{enterprise_lookup: grant.enterprise_id})
    if owner_of is None and not tree_only:
        for rel in _relations(model, user, action):
            q |= rel.q(model, user, action)
    return q


def restrict(
    queryset: QuerySet,
    user,
    action: str = "view",
    *,
    owner_of: type[Model] | None = None,
    tree_only: bool = False,
) -> QuerySet:
    """Filter ``queryset`` to what ``user`` may ``action``. The only scoping function.

    The rows in the user's subtree, and those the model's declared relationships give the user
    (``scope_relations``). ``owner_of=Model``: ``queryset`` holds owners (institutions,
    enterprises, regions) and is filtered to those under which the user may ``action`` rows of
    ``Model`` (see ``scope_q``). ``tree_only=True``: the subtree alone — statistics of an
    organisation (dashboards, figures) do not count a student's own or a mentor's rows.
    """
    q = scope_q(queryset.model, user, action, owner_of=owner_of, tree_only=tree_only)
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


__all__ = [
    "Grant",
    "Rel",
    "Role",
    "UserScope",
    "can",
    "is_in_scope",
    "reaches_beyond_tree",
    "relations_for",
    "restrict",
    "scope_q",
    "user_scope",
]
