"""Test helpers every app reuses: factories, named users at each node, scope checks.

The kernel builds the tree (regions, schools) and the users; an app above it adds its own rows to
the test worlds from its ``<app>/testing.py`` with ``@world_part`` (enterprises add ``ent_a``,
majors the offered majors), so this module names no app above the kernel.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from importlib import import_module
from importlib.util import find_spec

import factory
from django.apps import apps
from django.contrib.auth import get_user_model

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.validators import USCC_ALPHABET, resident_id_check_char, uscc_check_char
from zhijiao.orgs.choices import InstitutionKind, RegionLevel
from zhijiao.orgs.models import Institution, Region

TEST_PASSWORD = "Test-Passw0rd!"

_seq = itertools.count(1)


def make_uscc(n: int, division: str = "370102") -> str:
    body = f"91{division}{n:09d}"[:17]
    body = "".join(c if c in USCC_ALPHABET else "0" for c in body)
    return body + uscc_check_char(body)


def make_resident_id(division: str = "370102", birth: str = "20080101", order: int = 1) -> str:
    body = f"{division}{birth}{order:03d}"
    return body + resident_id_check_char(body)


def region(code: str, name: str, level: str, parent: Region | None = None) -> Region:
    obj, _ = Region.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "parent": parent,
            "path": (parent.path if parent else "") + code + "/",
        },
    )
    return obj


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试职业学校{n}")
    code = factory.Sequence(lambda n: f"41370{n:05d}")
    kind = InstitutionKind.SECONDARY_VOCATIONAL
    region = None


def make_user(username: str, role: str | None = None, *, node=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=TEST_PASSWORD, **extra)
    if role:
        kwargs = {}
        # The node's field on the grant is the one whose model the node is (region, institution,
        # enterprise: read from RoleAssignment, so the kernel names no app above it).
        for name in ("region", "institution", "enterprise"):
            if node is not None and isinstance(node, RoleAssignment._meta.get_field(name).related_model):
                kwargs[name] = node
        RoleAssignment.objects.create(user=user, role=role, **kwargs)
    return user


#: ``world`` / ``scope_world`` -> functions ``f(w)`` adding an app's rows (``@world_part``).
WORLD_PARTS: dict[str, list[Callable]] = {"world": [], "scope_world": []}
_parts_loaded: list[bool] = []


def world_part(kind: str = "world"):
    """Register ``f(w)``: what an app adds to ``World`` (``kind="world"``) or ``ScopeWorld``."""

    def decorator(func):
        if func not in WORLD_PARTS[kind]:
            WORLD_PARTS[kind].append(func)
        return func

    return decorator


def run_world_parts(w, kind: str) -> None:
    """Import every installed app's ``testing`` module once (they register parts), then run ``kind``."""
    if not _parts_loaded:
        for config in apps.get_app_configs():
            name = f"{config.name}.testing"
            if config.name.startswith("zhijiao.") and config.label != "core" and find_spec(name):
                import_module(name)
        _parts_loaded.append(True)
    for part in WORLD_PARTS[kind]:
        part(w)


class World:
    """A small province: two cities, a school in each, an enterprise in each, a user per role.

    Names: ``province_admin``, ``auditor``, ``jinan`` / ``qingdao`` (city admins),
    ``school_a`` (济南 school), ``school_b`` (青岛 school), ``ent_a``, ``expert``. The enterprises
    (``ent_a``, ``ent_b``, user ``ent_a``) and offered majors (``major``, ``offering_a``/``_b``) come
    from those apps' ``testing.py``.
    """

    def __init__(self):
        self.province = region("370000", "山东省", RegionLevel.PROVINCE)
        self.jinan = region("370100", "济南市", RegionLevel.CITY, self.province)
        self.lixia = region("370102", "历下区", RegionLevel.COUNTY, self.jinan)
        self.qingdao = region("370200", "青岛市", RegionLevel.CITY, self.province)
        self.shinan = region("370202", "市南区", RegionLevel.COUNTY, self.qingdao)
        self.school_a = InstitutionFactory(name="济南第一职业中专", region=self.lixia)
        self.school_b = InstitutionFactory(name="青岛第一职业中专", region=self.shinan)
        self.users = {
            "province_admin": make_user("province_admin", Role.PROVINCE_ADMIN, node=self.province),
            "province_staff": make_user("province_staff", Role.PROVINCE_STAFF, node=self.province),
            "auditor": make_user("auditor", Role.AUDITOR, node=self.province),
            "jinan": make_user("jinan", Role.CITY_ADMIN, node=self.jinan),
            "qingdao": make_user("qingdao", Role.CITY_ADMIN, node=self.qingdao),
            "school_a": make_user("school_a", Role.SCHOOL_ADMIN, node=self.school_a),
            "school_b": make_user("school_b", Role.SCHOOL_ADMIN, node=self.school_b),
            "expert": make_user("expert", Role.EXPERT),
        }
        run_world_parts(self, "world")

    def __getitem__(self, name: str):
        return self.users[name]


def blank_pdf(pages: int = 1) -> bytes:
    """A small valid PDF (uploads are read and checked: ``core.uploads``)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def small_png() -> bytes:
    """A valid 2 × 2 PNG."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def make_token(user, *, scopes=(), days: int = 30) -> str:
    """An API token for ``user`` (as ``accounts.services.token_create`` makes one); returns its key."""
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from zhijiao.accounts.authentication import hash_key
    from zhijiao.accounts.models import ApiToken

    key = secrets.token_urlsafe(30)
    ApiToken.objects.create(
        user=user,
        name="test",
        prefix=key[:8],
        key_hash=hash_key(key),
        scopes=list(scopes),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return key


def migrate_to(app_label: str, name: str) -> None:
    """Run one app's migrations forwards or backwards to ``name`` inside a test (data migrations).
    On PostgreSQL the deferred foreign-key checks of rows the test wrote run first: PostgreSQL
    refuses ALTER TABLE while they are pending."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    MigrationExecutor(connection).migrate([(app_label, name)])
