"""The scope matrix: who may see and change which rows, computed without ``restrict``.

``tests/test_scope_matrix.py`` signs in as every kind of user (``ROLES``), opens every list,
detail, export and write — pages and API, with other organisations' ids — and compares what comes
back with what the user should see. "Should" is computed here, in Python, from the organisation
tree and each model's declared scope path (``core.models.ScopedModel``'s ``scope_*`` attributes)
and declared relationships (``scope_relations``: the own person, assigned users, records seen
through a related record), row by row in Python: a second, independent reading of the same
declarations ``core.scoping.restrict`` turns into SQL. A page or endpoint that reads past its selector, a selector that forgets
``restrict``, a union that lets too much in — each shows up as a difference.

What an app adds, in ``zhijiao/<app>/tests/scope_fixtures.py`` (imported by the test):

- ``@scope_fixture(after=(...))``: a function ``f(sw)`` writing rows of the app's models into the
  world, in at least two organisations. A scoped model without such rows fails the matrix
  (``test_every_scoped_model_has_rows``), so a new model cannot go untested.
- ``scope_access(Model, view=..., change=...)``: access beyond the tree and the declared
  relationships that a service grants on purpose, as predicates ``(row, user) -> bool``.
- ``scope_rule(Model, rule)``: the whole rule for a model that declares no ``scope_*`` attributes
  (users, audit entries, jobs), ``rule(row, user, action) -> bool``.
- ``object_url(name, Model)``: which model the id in a URL names, for views without a
  ``selector`` (function views). An id-taking URL the matrix cannot map fails the matrix.
- ``single_owner(Model, reason)``: a model whose rows all belong to one node by nature (the
  province's work plan), exempt from the two-organisations rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model

from zhijiao.accounts.choices import ROLE_ACTIONS, Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.models import ScopedModel
from zhijiao.core.testing import InstitutionFactory, World, make_user, run_world_parts
from zhijiao.orgs.choices import InstitutionKind

SCOPE_ATTRS = ("scope_region_path", "scope_institution", "scope_enterprise", "scope_public_view")

# --- registries (filled by the apps' tests/scope_fixtures.py) ------------------------------------


@dataclasses.dataclass
class _Fixture:
    name: str
    func: Callable
    after: tuple[str, ...]


FIXTURES: dict[str, _Fixture] = {}
ACCESS: dict[type[Model], dict[str, list[Callable]]] = {}
RULES: dict[type[Model], Callable] = {}
OBJECT_URLS: dict[str, type[Model]] = {}
SINGLE_OWNER: dict[type[Model], str] = {}


def scope_fixture(name: str | None = None, *, after: Iterable[str] = ()):
    def decorator(func):
        key = name or f"{func.__module__.split('.')[1]}.{func.__name__}"
        FIXTURES[key] = _Fixture(key, func, tuple(after))
        return func

    return decorator


def scope_access(model: type[Model], *, view: Callable | None = None, change: Callable | None = None) -> None:
    for action, predicate in (("view", view), ("change", change)):
        if predicate is not None:
            ACCESS.setdefault(model, {}).setdefault(action, []).append(predicate)


def scope_rule(model: type[Model], rule: Callable) -> None:
    RULES[model] = rule


def object_url(name: str, model: type[Model]) -> None:
    OBJECT_URLS[name] = model


def single_owner(model: type[Model], reason: str) -> None:
    SINGLE_OWNER[model] = reason


def load_app_fixtures() -> None:
    """Import every app's ``tests/scope_fixtures.py`` (once)."""
    for config in apps.get_app_configs():
        if not config.name.startswith("zhijiao."):
            continue
        module = f"{config.name}.tests.scope_fixtures"
        try:
            found = find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            import_module(module)


# --- the world -------------------------------------------------------------------------------------

#: The users the matrix signs in as (``ScopeWorld.users`` keys).
ROLES = (
    "anonymous",
    "province_admin",
    "province_staff",
    "auditor",
    "jinan",
    "qingdao",
    "school_a",
    "school_b",
    "college",
    "ent_a",
    "ent_b",
    "expert",
    "student",
    "superuser",
    "multi",
)


class ScopeWorld(World):
    """``World`` plus a college (高职) in 济南, a second enterprise user, a student with an account,
    a superuser and a user holding several grants (青岛 city, enterprise A, the college)."""

    def __init__(self):
        super().__init__()
        self.college = InstitutionFactory(
            name="济南测试职业学院", kind=InstitutionKind.HIGHER_VOCATIONAL, region=self.lixia
        )
        self.users["college"] = make_user("college", Role.SCHOOL_ADMIN, node=self.college)
        self.users["superuser"] = make_user("superuser", is_superuser=True, is_staff=True)
        multi = make_user("multi", Role.CITY_ADMIN, node=self.qingdao)
        RoleAssignment.objects.create(user=multi, role=Role.SCHOOL_ADMIN, institution=self.college)
        self.users["multi"] = multi
        # The student's account; the students fixture links it to a student at school A.
        self.users["student"] = make_user("student")
        self.schools = {"a": self.school_a, "b": self.school_b, "c": self.college}
        self.made: dict[str, object] = {}
        # The offered majors (``offerings``) and enterprises (``enterprises``, ``ent_b``) of the apps.
        run_world_parts(self, "scope_world")

    def user(self, role: str):
        if role == "anonymous":
            from django.contrib.auth.models import AnonymousUser

            return AnonymousUser()
        return self.users[role]


def build_world() -> ScopeWorld:
    """The world with every app's fixtures, in dependency order."""
    load_app_fixtures()
    sw = ScopeWorld()
    done: set[str] = set()

    def run(key: str, stack=()):
        if key in done:
            return
        if key in stack:
            raise RuntimeError(f"scope fixtures depend on each other in a cycle: {stack + (key,)}")
        fixture = FIXTURES[key]
        for dep in fixture.after:
            run(dep, stack + (key,))
        fixture.func(sw)
        done.add(key)

    for key in sorted(FIXTURES):
        run(key)
    return sw


# --- the oracle ----------------------------------------------------------------------------------


def declares_scope(model: type[Model]) -> bool:
    return issubclass(model, ScopedModel) or any(hasattr(model, a) for a in SCOPE_ATTRS)


def scoped_models() -> list[type[Model]]:
    """Every concrete model that declares how its rows reach the tree (proxies follow their base)."""
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("zhijiao.") and declares_scope(m) and not m._meta.proxy
    ]


def _walk(obj, lookup: str | None):
    if not lookup:
        return None
    for part in lookup.split("__"):
        if obj is None:
            return None
        obj = obj.pk if part == "pk" else getattr(obj, part)
    return obj


@dataclasses.dataclass(frozen=True)
class Owner:
    path: str | None
    institution_id: int | None
    enterprise_id: int | None


def _region_path(row: Model) -> str | None:
    lookups = getattr(type(row), "scope_region_path", None) or ()
    for lookup in (lookups,) if isinstance(lookups, str) else lookups:
        path = _walk(row, lookup)
        if path:
            return path
    return None


def owner_of(row: Model) -> Owner:
    model = type(row)
    return Owner(
        path=_region_path(row),
        institution_id=_walk(row, getattr(model, "scope_institution", None)),
        enterprise_id=_walk(row, getattr(model, "scope_enterprise", None)),
    )


@dataclasses.dataclass(frozen=True)
class _Grant:
    role: str
    path: str | None
    institution_id: int | None
    enterprise_id: int | None

    @property
    def kind(self) -> str | None:
        if self.path:
            return "region"
        if self.institution_id:
            return "institution"
        if self.enterprise_id:
            return "enterprise"
        return None


def grants_of(user) -> list[_Grant]:
    """The user's grants, read straight from the table (not through ``core.scoping``)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_matrix_grants", None)
    if cached is None:
        cached = [
            _Grant(ra.role, ra.region.path if ra.region_id else None, ra.institution_id, ra.enterprise_id)
            for ra in RoleAssignment.objects.filter(user_id=user.pk).select_related("region")
        ]
        user._matrix_grants = cached
    return cached


def tree_allows(row: Model, user, action: str) -> bool:
    """The model's declared scope, read row by row: the rule every page and endpoint must honour."""
    model = type(row)
    if action == "view" and getattr(model, "scope_public_view", False):
        return True
    if user.is_superuser:
        return True
    grants = [g for g in grants_of(user) if action in ROLE_ACTIONS[g.role]]
    if action == "view" and any(g.kind in getattr(model, "scope_public_view_nodes", ()) for g in grants):
        return True
    owner = owner_of(row)
    for g in grants:
        if action != "view" and g.kind not in getattr(model, "scope_change_nodes", ()):
            continue
        if g.kind == "region" and owner.path and owner.path.startswith(g.path):
            return True
        if (
            g.kind == "institution"
            and getattr(model, "scope_institution", None)
            and owner.institution_id == g.institution_id
        ):
            return True
        if (
            g.kind == "enterprise"
            and getattr(model, "scope_enterprise", None)
            and owner.enterprise_id == g.enterprise_id
        ):
            return True
    return False


def _people(obj) -> list:
    """The rows behind ``obj``: a related manager's rows, one object, or none."""
    if obj is None:
        return []
    if hasattr(obj, "all") and callable(obj.all):
        return list(obj.all())
    return [obj]


def _fan_out(obj, lookup: str) -> list:
    """Every object reached by ``lookup`` from ``obj``, following to-many hops (a school's students) as
    well as to-one ones; nothing where a hop is empty."""
    objs = [obj]
    for part in lookup.split("__") if lookup else ():
        reached = []
        for o in objs:
            reached.extend(_people(getattr(o, part, None)))
        objs = reached
    return objs


def relation_allows(row: Model, user, action: str) -> bool:
    """The model's declared relationships (``scope_relations``), read row by row."""
    for rel in getattr(type(row), "scope_relations", {}).get(action, ()):
        prefix, _sep, last = rel.path.rpartition("__")
        if rel.kind == "own_person":
            # A person acting as themselves: accounts holding a role act through their grants. The
            # path may cross a to-many hop ("listed_by__students__user": any student of that school).
            if not grants_of(user) and any(p.pk == user.pk for p in _fan_out(row, rel.path)):
                return True
            continue
        holder = _walk(row, prefix) if prefix else row
        if holder is None:
            continue
        related = getattr(holder, last)
        if rel.kind == "assigned":
            where = dict(rel.where)
            if any(
                a.user_id == user.pk and all(getattr(a, k) == v for k, v in where.items())
                for a in _people(related)
            ):
                return True
        elif rel.kind == "via":
            if any(may(user, r, action) for r in _people(related)):
                return True
        elif rel.kind == "outside_tree":
            province = any(
                g.path and g.path.count("/") == 1 and action in ROLE_ACTIONS[g.role] for g in grants_of(user)
            )
            held = _people(related)
            if province and (not held or any(owner_of(r) == Owner(None, None, None) for r in held)):
                return True
        else:
            raise LookupError(f"unknown relationship {rel.kind!r} on {type(row)._meta.label}")
    return False


def may(user, row: Model, action: str = "view") -> bool:
    """Whether ``user`` should be able to ``action`` (view / change) ``row``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    model = type(row)
    base = model._meta.concrete_model
    rule = RULES.get(model) or RULES.get(base)
    if rule is not None:
        return bool(rule(row, user, action))
    if not declares_scope(model):
        raise LookupError(f"{model._meta.label} declares no scope: add scope_* attributes or a scope_rule")
    if tree_allows(row, user, action) or relation_allows(row, user, action):
        return True
    return any(p(row, user) for p in ACCESS.get(base, {}).get(action, ()))


class Oracle:
    """Expected id sets per (model, user, action), over every row in the database, cached."""

    def __init__(self):
        self._cache: dict = {}

    def rows(self, model: type[Model]) -> list[Model]:
        key = ("rows", model)
        if key not in self._cache:
            self._cache[key] = list(model._meta.concrete_model._default_manager.all())
        return self._cache[key]

    def expected(self, model: type[Model], user, action: str = "view") -> set:
        key = (model, getattr(user, "pk", None), action)
        if key not in self._cache:
            self._cache[key] = {r.pk for r in self.rows(model) if may(user, r, action)}
        return self._cache[key]

    def all_ids(self, model: type[Model]) -> set:
        return {r.pk for r in self.rows(model)}


# --- a cheap fingerprint of every scoped table: did a request write anything? --------------------


def _fingerprint_sql() -> str:
    q = connection.ops.quote_name
    parts = []
    for model in sorted(
        {m._meta.concrete_model for m in apps.get_models() if m.__module__.startswith("zhijiao.")},
        key=lambda m: m._meta.label,
    ):
        table = q(model._meta.db_table)
        stamp = "updated_at" if any(f.name == "updated_at" for f in model._meta.concrete_fields) else None
        pk = q(model._meta.pk.column)
        last = f"MAX({q(stamp)})" if stamp else "NULL"
        parts.append(
            f"SELECT '{model._meta.label}', COUNT(*), MAX({pk}), CAST({last} AS VARCHAR(40)) FROM {table}"
        )
    return " UNION ALL ".join(parts)


_SQL: list[str] = []


def fingerprint() -> dict:
    """Rows, highest id and last change of every zhijiao table, in one statement."""
    if not _SQL:
        _SQL.append(_fingerprint_sql())
    with connection.cursor() as cursor:
        cursor.execute(_SQL[0])
        return {label: rest for label, *rest in cursor.fetchall()}


def changed_tables(before: dict, after: dict) -> list[str]:
    from zhijiao.core.models import AuditEntry

    # Reading leaves audit entries (exports, sensitive views) and sign-in bookkeeping; they are not writes.
    ignore = {AuditEntry._meta.label, get_user_model()._meta.label}
    return sorted(k for k in after if after[k] != before.get(k) and k not in ignore)


__all__ = [
    "ACCESS",
    "FIXTURES",
    "OBJECT_URLS",
    "ROLES",
    "RULES",
    "SINGLE_OWNER",
    "Oracle",
    "Owner",
    "ScopeWorld",
    "build_world",
    "changed_tables",
    "declares_scope",
    "fingerprint",
    "load_app_fixtures",
    "may",
    "object_url",
    "owner_of",
    "relation_allows",
    "scope_access",
    "scope_fixture",
    "scope_rule",
    "scoped_models",
    "single_owner",
    "tree_allows",
]
