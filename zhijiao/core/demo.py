"""The demo runner, the demo schools and one account per role.

A seed service: deterministic (``random.Random(DEMO_SEED)``, every iteration in code order),
one transaction, bulk writes with one audit entry per row. The apps add their own data through
``AppConfig.demo_loader`` (``core.contributions.DemoLoader``), in stages: ``reference`` (majors:
the reference data when missing), then the kernel's schools, ``shared`` (majors: offered majors;
enterprises: enterprises — drawing from the one seeded generator in ``DemoContext``), then the
kernel's accounts, then ``subsystem`` loaders (work plan, students, credentials, internships). Running it again once the demo is in
place writes nothing and only describes the accounts. The names are made up from the real county
and city names; nothing here describes a real school or enterprise.
"""

from __future__ import annotations

import os
import random
import time
from base64 import b32encode
from binascii import hexlify
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.audit import AuditAction, audit_bulk, audit_record, snapshot
from zhijiao.core.contributions import demo_loaders
from zhijiao.orgs.choices import InstitutionKind, Ownership, RegionLevel
from zhijiao.orgs.models import Institution, Region

DEMO_SEED = 2021
DEFAULT_SCHOOLS = 450
DEFAULT_ENTERPRISES = 300
# Meets the password policy (≥ 10 characters, four character classes); override with DEMO_PASSWORD.
DEFAULT_DEMO_PASSWORD = "Zhijiao@Demo2021"
# A fixed, published TOTP secret: the demo province admin's authenticator entry survives a reload.
DEMO_TOTP_KEY = b"zhijiao-demo-otp-key"
DEMO_DEVICE_NAME = "demo"
COLLEGE_DEMO_CODE = "4137010832"  # 山东商业职业技术学院
JINAN_CODE = "370100"
DEMO_SCHOOL_CODE_PREFIX = "41370"
# Real institution codes use 4137010xxx–4137014xxx; demo schools start far above them.
DEMO_SCHOOL_CODE_START = 60000

# Resident population by city, 2020 census (山东省第七次全国人口普查公报, 万人); only weights the demo.
CITY_POPULATION = {
    "370100": 920, "370200": 1007, "370300": 470, "370400": 386, "370500": 219, "370600": 710,
    "370700": 939, "370800": 836, "370900": 547, "371000": 291, "371100": 297, "371300": 1102,
    "371400": 561, "371500": 595, "371600": 393, "371700": 880,
}  # fmt: skip

KIND_WEIGHTS = [
    (InstitutionKind.SECONDARY_VOCATIONAL, 83),
    (InstitutionKind.TECHNICAL, 12),
    (InstitutionKind.TECHNICIAN_COLLEGE, 5),
]
PRIVATE_SHARE = 0.12

# {county}: "平阴县" or, for a district, "济南市历下区"; {city}: "济南市"; {short}: "济南"; {brand}: a trade name.
COUNTY_SCHOOL_NAMES = [
    ("{county}职业中等专业学校", 6),
    ("{county}职业教育中心学校", 5),
    ("{county}中等职业学校", 2),
    ("{county}理工中等专业学校", 1),
    ("{county}商贸中等专业学校", 1),
    ("{county}第二职业中等专业学校", 1),
]
CITY_SCHOOL_NAMES = [
    ("{city}理工中等职业学校", 2),
    ("{city}交通中等专业学校", 1),
    ("{city}电子信息中等职业学校", 1),
    ("{city}旅游中等职业学校", 1),
    ("{city}财经中等专业学校", 1),
    ("{city}卫生学校", 1),
    ("{city}艺术中等专业学校", 1),
    ("{city}农业中等专业学校", 1),
    ("{city}工业中等专业学校", 1),
    ("{city}幼儿师范中等专业学校", 1),
]
PRIVATE_SCHOOL_NAMES = [
    ("{county}{brand}职业中等专业学校", 2),
    ("{city}{brand}中等职业学校", 1),
    ("{city}{brand}信息工程中等职业学校", 1),
]
TECHNICAL_NAMES = [
    ("{city}技工学校", 2),
    ("{county}技工学校", 3),
    ("{city}高级技工学校", 1),
    ("{city}交通技工学校", 1),
    ("{city}工贸技工学校", 1),
]
PRIVATE_TECHNICAL_NAMES = [("{city}{brand}技工学校", 1)]
TECHNICIAN_NAMES = [
    ("山东省{city}技师学院", 1),
    ("{short}技师学院", 2),
    ("{short}工程技师学院", 1),
    ("{short}交通技师学院", 1),
    ("{short}工贸技师学院", 1),
]
NUMBERED_NAMES = {
    InstitutionKind.SECONDARY_VOCATIONAL: "{county}第{n}职业中等专业学校",
    InstitutionKind.TECHNICAL: "{county}第{n}技工学校",
    InstitutionKind.TECHNICIAN_COLLEGE: "{short}第{n}技师学院",
}
SCHOOL_BRANDS = "英才 华宇 新华 育才 博文 明德 远航 蓝天 东方 致远 启明 长风 华夏 科达 正阳 锦程".split()

ROADS = "人民路 建设路 解放路 胜利路 文化路 长江路 黄河路 泰山路 新华路 中山路 工业大道 经济开发区创业路 和平路 青年路 学府路".split()


class DemoError(Exception):
    """The demo cannot be loaded (a bad password, a half-present demo); nothing has been written."""


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    node_code: str | None  # a region or institution code, or "enterprise" for the demo enterprise
    display_name: str


EXTRA_DEMO_ACCOUNTS = [
    ("wp_zhang", _("Division head (work plan)")),
    ("student_demo", _("Student")),
    ("student_rare", _("Student (rare characters in the name)")),
]

DEMO_ACCOUNTS = [
    DemoAccount("province_admin", Role.PROVINCE_ADMIN, "370000", "演示·省级管理员"),
    DemoAccount("province_staff", Role.PROVINCE_STAFF, "370000", "演示·省厅工作人员"),
    DemoAccount("auditor", Role.AUDITOR, "370000", "演示·审计员"),
    DemoAccount("city_jinan", Role.CITY_ADMIN, JINAN_CODE, "演示·济南市教育局"),
    DemoAccount("city_qingdao", Role.CITY_ADMIN, "370200", "演示·青岛市教育局"),
    DemoAccount("school", Role.SCHOOL_ADMIN, "school", "演示·中职学校管理员"),
    DemoAccount("college", Role.SCHOOL_ADMIN, COLLEGE_DEMO_CODE, "演示·高职院校管理员"),
    DemoAccount("enterprise", Role.ENTERPRISE, "enterprise", "演示·企业用户"),
    DemoAccount("expert", Role.EXPERT, None, "演示·评审专家"),
]
DEMO_USERNAMES = [a.username for a in DEMO_ACCOUNTS]


@dataclass
class AccountRow:
    username: str
    role: str
    organisation: str
    password: str


# What the load summary calls each count (the keys are the counts' names in code).
COUNT_LABELS = {
    "reference rows": gettext_lazy("rows of reference data"),
    "schools": gettext_lazy("schools"),
    "offered majors": gettext_lazy("offered majors"),
    "enterprises": gettext_lazy("enterprises"),
    "accounts": gettext_lazy("accounts"),
}


@dataclass
class DemoResult:
    created: bool
    accounts: list[AccountRow]
    totp_secret: str
    totp_uri: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- small deterministic helpers -------------------------------------------------------------


def weighted(rng: random.Random, pairs: Sequence[tuple[object, float]]):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def weighted_sample(rng: random.Random, items: Sequence, weights: Sequence[float], k: int) -> list:
    """k distinct items, drawn with probability proportional to weight (Efraimidis–Spirakis)."""
    keyed = [(rng.random() ** (1.0 / w), i) for i, w in enumerate(weights) if w > 0]
    keyed.sort(reverse=True)
    return [items[i] for _key, i in keyed[:k]]


def chinese_number(n: int) -> str:
    """1–99 in Chinese numerals (二, 十二, 二十, 九十九)."""
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    if not tens:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` in proportion to ``weights`` (keys in sorted order; ties by key)."""
    keys = sorted(weights)
    whole = sum(weights.values())
    exact = {k: total * weights[k] / whole for k in keys}
    share = {k: int(exact[k]) for k in keys}
    rest = total - sum(share.values())
    for k in sorted(keys, key=lambda k: (-(exact[k] - share[k]), k))[:rest]:
        share[k] += 1
    return share


def county_label(county: Region, city: Region) -> str:
    """How a school names its county: "平阴县", "胶州市", but "济南市历下区" for a district."""
    return f"{city.name}{county.name}" if county.name.endswith("区") else county.name


def short_city_name(city: Region) -> str:
    return city.name.removesuffix("市")


def demo_totp_secret() -> str:
    return b32encode(DEMO_TOTP_KEY).decode()


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


# --- schools ---------------------------------------------------------------------------------


@dataclass
class DemoGeo:
    province: Region
    cities: list[Region]
    counties: dict[str, list[Region]]  # city code → counties in code order


def demo_geography() -> DemoGeo:
    regions = list(Region.objects.order_by("code"))
    province = next(r for r in regions if r.level == RegionLevel.PROVINCE)
    cities = [r for r in regions if r.level == RegionLevel.CITY]
    by_id = {c.pk: c for c in cities}
    counties: dict[str, list[Region]] = {c.code: [] for c in cities}
    for r in regions:
        if r.level == RegionLevel.COUNTY and r.parent_id in by_id:
            r.parent = by_id[r.parent_id]
            counties[r.parent.code].append(r)
    return DemoGeo(province=province, cities=cities, counties=counties)


def city_weights(geo: DemoGeo) -> dict[str, float]:
    return {c.code: CITY_POPULATION.get(c.code, 300) for c in geo.cities if geo.counties[c.code]}


def _school_name(rng, *, kind, private, county, city, first, taken) -> tuple[str, bool]:
    """A unique name and whether it is a city-level school (supervised by the city)."""
    fill = {"county": county_label(county, city), "city": city.name, "short": short_city_name(city)}
    if kind == InstitutionKind.TECHNICIAN_COLLEGE:
        options = TECHNICIAN_NAMES
    elif kind == InstitutionKind.TECHNICAL:
        options = PRIVATE_TECHNICAL_NAMES if private else TECHNICAL_NAMES
    elif private:
        options = PRIVATE_SCHOOL_NAMES
    elif first or not county.name.endswith("区") or rng.random() < 0.5:
        # Each city's first school is the plain county 职业中专 (the "school" demo account).
        options = COUNTY_SCHOOL_NAMES[:1] if first else COUNTY_SCHOOL_NAMES
    else:
        options = CITY_SCHOOL_NAMES
    order = weighted_sample(rng, options, [w for _t, w in options], len(options))
    for template, _w in order:
        fill["brand"] = rng.choice(SCHOOL_BRANDS)
        name = template.format(**fill)
        if name not in taken:
            return name, "{county}" not in template
    # A county with many schools: 第二…, 第三… (the county's own schools, named by number).
    fallback = NUMBERED_NAMES[kind]
    for n in range(2, 100):
        name = fallback.format(n=chinese_number(n), **fill)
        if name not in taken:
            return name, "{county}" not in fallback
    raise DemoError(_("Could not find a unique school name in %(county)s.") % {"county": fill["county"]})


def _plan_schools(rng: random.Random, geo: DemoGeo, count: int, taken_codes: set[str]) -> list[Institution]:
    taken = set(Institution.objects.values_list("name", flat=True))
    quota = _largest_remainder(count, city_weights(geo))
    if count and not quota.get(JINAN_CODE) and JINAN_CODE in quota:
        # The "school" demo account sits at a 济南 school, even on the smallest scale.
        quota[max(quota, key=lambda c: (quota[c], c))] -= 1
        quota[JINAN_CODE] = 1
    schools: list[Institution] = []
    code_n = DEMO_SCHOOL_CODE_START
    # Gaps between codes, as in a real register, but never running out of the 5-digit range.
    max_step = max(1, min(60, (99999 - DEMO_SCHOOL_CODE_START) // max(count, 1) - 1))
    for city in geo.cities:
        counties = list(geo.counties[city.code])
        if not quota.get(city.code):
            continue
        rng.shuffle(counties)
        for i in range(quota[city.code]):
            county = counties[i % len(counties)]
            first = i == 0
            kind = InstitutionKind.SECONDARY_VOCATIONAL if first else weighted(rng, KIND_WEIGHTS)
            private = (
                not first and kind != InstitutionKind.TECHNICIAN_COLLEGE and rng.random() < PRIVATE_SHARE
            )
            name, city_level = _school_name(
                rng, kind=kind, private=private, county=county, city=city, first=first, taken=taken
            )
            taken.add(name)
            if kind in (InstitutionKind.TECHNICAL, InstitutionKind.TECHNICIAN_COLLEGE):
                authority = f"{city.name}人力资源和社会保障局"
            elif city_level:
                authority = f"{city.name}教育局"
            else:
                authority = f"{county_label(county, city)}教育和体育局"
            code_n += rng.randint(1, max_step)
            while f"{DEMO_SCHOOL_CODE_PREFIX}{code_n:05d}" in taken_codes:
                code_n += 1
            if code_n > 99999:
                raise DemoError(_("Too many demo schools for the code range."))
            code = f"{DEMO_SCHOOL_CODE_PREFIX}{code_n:05d}"
            taken_codes.add(code)
            schools.append(
                Institution(
                    code=code,
                    name=name,
                    kind=kind,
                    ownership=Ownership.PRIVATE if private else Ownership.PUBLIC,
                    region=county,
                    supervising_authority=authority,
                    address=f"{county_label(county, city)}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                )
            )
    return schools


# --- accounts --------------------------------------------------------------------------------


def _account_node(account: DemoAccount, nodes: dict):
    if account.node_code is None:
        return None
    if account.node_code in ("school", "enterprise"):
        return nodes.get(account.node_code)
    region = Region.objects.filter(code=account.node_code).first()
    return region or Institution.objects.filter(code=account.node_code).first()


def _role_node(ra: RoleAssignment | None) -> str:
    return str(ra.node) if ra is not None and ra.node is not None else "—"


def describe_accounts(password: str | None = None) -> list[AccountRow]:
    password = password or demo_password()
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    roles = {
        ra.user_id: ra
        for ra in RoleAssignment.objects.filter(user__username__in=DEMO_USERNAMES).select_related(
            "region", "institution", "enterprise"
        )
    }
    rows = []
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        if user is None:
            continue
        rows.append(
            AccountRow(
                username=account.username,
                role=str(Role(account.role).label),
                organisation=_role_node(roles.get(user.pk)),
                password=password,
            )
        )
    # People the subsystems' demos add (students with a self-service account, the division head).
    extra = get_user_model().objects.filter(username__in=[u for u, _label in EXTRA_DEMO_ACCOUNTS])
    extra_users = {
        u.username: u
        for u in extra.select_related("student__current_institution").prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related("region", "institution", "enterprise"),
            )
        )
    }
    for username, label in EXTRA_DEMO_ACCOUNTS:
        user = extra_users.get(username)
        if user is None:
            continue
        ra = next(iter(user.role_assignments.all()), None)
        student = getattr(user, "student", None)
        organisation = _role_node(ra) if ra else (str(student.current_institution) if student else "—")
        rows.append(
            AccountRow(username=username, role=str(label), organisation=organisation, password=password)
        )
    return rows


def _totp_uri() -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username="province_admin", name=DEMO_DEVICE_NAME).first()
    return device.config_url if device else ""


def demo_is_loaded() -> bool:
    present = get_user_model().objects.filter(username__in=DEMO_USERNAMES).count()
    if 0 < present < len(DEMO_USERNAMES):
        raise DemoError(
            _("Only %(n)d of the %(total)d demo accounts exist; this database holds other data, not a demo.")
            % {"n": present, "total": len(DEMO_USERNAMES)}
        )
    return present == len(DEMO_USERNAMES)


def check_demo_password(password: str) -> None:
    """The demo password must pass the same policy as every other password."""
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        probe = User(username=account.username, display_name=account.display_name)
        try:
            validate_password(password, probe)
        except ValidationError as exc:
            raise DemoError(
                _("The demo password does not meet the password policy: %(why)s")
                % {"why": " ".join(exc.messages)}
            )


def _create_accounts(*, actor, password: str, nodes: dict) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User = get_user_model()
    now = timezone.now()
    # One hash for the nine accounts: the password is published anyway, and hashing is slow by design.
    hashed = make_password(password)
    for account in DEMO_ACCOUNTS:
        user = User(username=account.username, display_name=account.display_name, password_changed_at=now)
        user.password = hashed
        user.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=user,
            after=snapshot(user),
            message=_("Demo account"),
        )
        node = _account_node(account, nodes)
        # The grant's field is the one whose model the node is (the enterprise model is read from
        # RoleAssignment: the kernel does not import the enterprises app).
        kwargs = {
            name: node
            for name in ("region", "institution", "enterprise")
            if node is not None and isinstance(node, RoleAssignment._meta.get_field(name).related_model)
        }
        if not kwargs and account.node_code is not None:
            raise DemoError(
                _("The organisation of demo account %(u)s is missing (the demo needs at least one school).")
                % {"u": account.username}
            )
        ra = RoleAssignment(user=user, role=account.role, **kwargs)
        ra.full_clean()
        ra.save()
        audit_record(
            actor=actor, action=AuditAction.CREATE, instance=ra, after=snapshot(ra), message=_("Demo account")
        )
        if account.role == Role.PROVINCE_ADMIN:
            device = TOTPDevice.objects.create(
                user=user, name=DEMO_DEVICE_NAME, key=hexlify(DEMO_TOTP_KEY).decode(), confirmed=True
            )
            # The key is a secret: the entry records the device, not its fields.
            audit_record(
                actor=actor, action=AuditAction.CREATE, instance=device, message=_("Demo TOTP device")
            )


# --- the service -----------------------------------------------------------------------------


def _result(created: bool, password: str, counts: dict[str, int], started: float) -> DemoResult:
    return DemoResult(
        created=created,
        accounts=describe_accounts(password),
        totp_secret=demo_totp_secret(),
        totp_uri=_totp_uri(),
        counts=counts,
        seconds=time.monotonic() - started,
    )


@dataclass
class DemoContext:
    """What the demo's stages share: the actor, the one seeded generator, the geography, the counts
    of the load summary, the requested sizes, and the nodes the demo accounts sit at (``school``,
    ``enterprise``: set by the loader that creates them)."""

    actor: object
    rng: random.Random
    counts: dict[str, int]
    schools: int = DEFAULT_SCHOOLS
    enterprises: int = DEFAULT_ENTERPRISES
    data_dir: Path | str | None = None
    geo: DemoGeo | None = None
    jinan_path: str = ""
    nodes: dict = field(default_factory=dict)
    message: str = ""


def _loaders(stage: str) -> list[str]:
    return [loader.path for _label, loader in demo_loaders() if loader.stage == stage]


def demo_extensions() -> list[str]:
    """Each subsystem's demo loader (``AppConfig.demo_loader``, stage ``subsystem``), in the order
    they run after the shared data (each is idempotent, called with ``actor=``)."""
    return _loaders("subsystem")


def _load_schools(ctx: DemoContext) -> None:
    rng, geo = ctx.rng, ctx.geo
    taken_codes = set(Institution.objects.exclude(code=None).values_list("code", flat=True))
    new_schools = _plan_schools(rng, geo, ctx.schools, taken_codes)
    for school in new_schools:
        school.clean_fields(exclude=["region"])
    Institution.objects.bulk_create(new_schools, batch_size=500)
    audit_bulk(
        actor=ctx.actor,
        action=AuditAction.CREATE,
        items=[(s, None, snapshot(s)) for s in new_schools],
        message=ctx.message,
    )
    ctx.counts["schools"] = len(new_schools)
    jinan = ctx.jinan_path
    ctx.nodes["school"] = (
        next(
            (
                s
                for s in new_schools
                if s.region.path.startswith(jinan) and s.kind == InstitutionKind.SECONDARY_VOCATIONAL
            ),
            None,
        )
        or Institution.objects.filter(
            region__path__startswith=jinan, kind=InstitutionKind.SECONDARY_VOCATIONAL
        )
        .order_by("code")
        .first()
    )


@transaction.atomic
def demo_load(
    *,
    actor=None,
    schools: int = DEFAULT_SCHOOLS,
    enterprises: int = DEFAULT_ENTERPRISES,
    password: str | None = None,
    data_dir: Path | str | None = None,
    extensions: bool = True,
) -> DemoResult:
    """Load the demo once; afterwards only describe the accounts. Loads reference data if missing."""
    started = time.monotonic()
    password = password or demo_password()
    if demo_is_loaded():
        return _result(False, password, {}, started)
    check_demo_password(password)
    ctx = DemoContext(
        actor=actor,
        rng=random.Random(DEMO_SEED),
        counts={},
        schools=schools,
        enterprises=enterprises,
        data_dir=data_dir,
        message=_("Demo data"),
    )
    for dotted in _loaders("reference"):
        import_string(dotted)(ctx)
    ctx.geo = demo_geography()
    ctx.jinan_path = next((c.path for c in ctx.geo.cities if c.code == JINAN_CODE), "370000/370100/")
    _load_schools(ctx)
    for dotted in _loaders("shared"):
        import_string(dotted)(ctx)
    _create_accounts(actor=actor, password=password, nodes=ctx.nodes)
    for dotted in demo_extensions() if extensions else ():
        import_string(dotted)(actor=actor)
    result = _result(True, password, ctx.counts, started)
    # Every account the summary table prints: the roles' and those the subsystems' demos add.
    result.counts["accounts"] = len(result.accounts)
    return result


def demo_totp_code(username: str) -> str:
    """The current code of a demo TOTP device (only demo devices: their secret is published)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username, name=DEMO_DEVICE_NAME, confirmed=True).first()
    if device is None:
        raise DemoError(_("User %(u)s has no demo TOTP device.") % {"u": username})
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
