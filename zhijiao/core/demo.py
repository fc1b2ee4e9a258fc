"""Demo data: secondary schools, offered majors, enterprises and one account per role.

A seed service: deterministic (``random.Random(DEMO_SEED)``, every iteration in code order),
one transaction, bulk writes with one audit entry per row. Running it again once the demo is in
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
from zhijiao.core.validators import USCC_ALPHABET, uscc_check_char
from zhijiao.enterprises.models import Enterprise
from zhijiao.majors.choices import MajorLevel, OfferingStatus
from zhijiao.majors.models import InstitutionMajor, Major
from zhijiao.majors.reference import reference_data_load, reference_data_missing
from zhijiao.majors.services import offering_major_matches_institution
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

# Category "offsets" (code minus 60/40/20 at 中职/高职专科/职教本科 — 1 农林牧渔 … 19 公共管理与服务).
THEMES = [
    (("医", "卫生", "护理", "药"), (12, 9)),
    (("师范", "幼儿", "幼师"), (17,)),
    (("体育",), (17,)),
    (("外国语", "外事", "外贸"), (17, 13, 14)),
    (("交通", "铁路", "航运", "航空", "海事", "汽车"), (10, 6)),
    (("电力", "能源"), (3, 6)),
    (("石油", "胜利", "煤炭", "化工"), (2, 3, 7)),
    (("电子", "信息", "软件", "科技"), (11,)),
    (("商业", "财经", "经贸", "商贸", "经济", "贸易", "金融", "财政"), (13,)),
    (("旅游", "酒店", "烹饪"), (14, 13)),
    (("艺术", "工艺美术", "传媒"), (15, 16)),
    (("农业", "畜牧", "林业", "水产", "农"), (1, 9)),
    (("水利",), (5, 4)),
    (("建筑", "城市建设", "城建"), (4,)),
    (("司法", "警官"), (18,)),
    (("机电", "理工", "工业", "工贸", "机械", "技师", "技工", "工程", "职业技术大学"), (6, 11)),
]
LEVEL_OFFSET = {MajorLevel.SECONDARY: 60, MajorLevel.HIGHER: 40, MajorLevel.BACHELOR: 20}
COMMON_MAJORS = {
    MajorLevel.SECONDARY: "计算机应用 机电技术应用 会计事务 汽车运用与维修 幼儿保育 电子商务 数控技术应用 "
    "电子技术应用 护理 建筑工程施工 服装设计与工艺 旅游服务与管理 中餐烹饪 物流服务与管理 "
    "工业机器人技术应用 市场营销 动漫与游戏制作 计算机网络技术 高星级饭店运营与管理".split(),
    MajorLevel.HIGHER: "计算机网络技术 大数据技术 软件技术 机电一体化技术 汽车检测与维修技术 电气自动化技术 "
    "护理 大数据与会计 电子商务 工业机器人技术 数控技术 机械设计与制造 市场营销 现代物流管理 "
    "建设工程管理 旅游管理 酒店管理与数字化运营 计算机应用技术".split(),
    MajorLevel.BACHELOR: "计算机应用工程 软件工程技术 大数据工程技术 机械设计制造及自动化 电气工程及自动化 "
    "大数据与会计 电子商务 护理 建筑工程 现代物流管理 智能制造工程技术 新能源汽车工程技术".split(),
}
COMMON_WEIGHT = 40
# Majors no Shandong school runs (ethnic medicine of other provinces): never picked for the demo.
NOT_IN_SHANDONG = ("蒙医", "蒙药", "藏医", "藏药", "维医", "维药", "傣医", "哈医", "朝医", "壮医")
# How many majors each kind offers: (level, lowest, highest).
OFFER_PLAN = {
    InstitutionKind.SECONDARY_VOCATIONAL: [(MajorLevel.SECONDARY, 5, 15)],
    InstitutionKind.TECHNICAL: [(MajorLevel.SECONDARY, 5, 12)],
    InstitutionKind.TECHNICIAN_COLLEGE: [(MajorLevel.SECONDARY, 4, 8), (MajorLevel.HIGHER, 3, 8)],
    InstitutionKind.HIGHER_VOCATIONAL: [(MajorLevel.HIGHER, 20, 40)],
    InstitutionKind.VOCATIONAL_BACHELOR: [(MajorLevel.BACHELOR, 12, 22), (MajorLevel.HIGHER, 5, 12)],
}
FIRST_START_YEAR, LAST_START_YEAR = 2005, 2024

# GB/T 4754-2017 sections, weighted towards manufacturing (as Shandong's enterprise register is).
INDUSTRY_WEIGHTS = {
    "C": 40, "I": 9, "E": 8, "F": 8, "G": 6, "H": 4, "M": 5, "Q": 3, "L": 4, "D": 3,
    "A": 3, "O": 2, "R": 2, "J": 1, "K": 2, "N": 1, "B": 1, "P": 1,
}  # fmt: skip
INDUSTRY_WORDS = {
    "A": "农业发展 农牧 果蔬种植 生态农业 水产养殖".split(),
    "B": "矿业 石材开采".split(),
    "C": "机械制造 精密机械 汽车零部件 化工 纺织 食品 新材料 装备制造 橡胶制品 医疗器械 电子科技 "
    "电气设备 重工 环保设备 包装制品 服饰 智能装备 机床".split(),
    "D": "热力 新能源 燃气 供水".split(),
    "E": "建设工程 建筑安装 路桥工程 装饰工程 市政工程".split(),
    "F": "商贸 贸易 医药连锁 超市 农资".split(),
    "G": "物流 运输 供应链管理 仓储 冷链物流".split(),
    "H": "餐饮管理 酒店管理 餐饮服务".split(),
    "I": "软件 信息技术 网络科技 数据科技 智能科技".split(),
    "J": "融资担保 小额贷款".split(),
    "K": "物业服务 置业".split(),
    "L": "人力资源服务 企业管理咨询 会展服务 广告".split(),
    "M": "检测技术 工程设计 检验检测 技术服务".split(),
    "N": "环境治理 园林绿化 环境工程".split(),
    "O": "汽车维修服务 家政服务 养老服务".split(),
    "P": "职业培训 教育科技".split(),
    "Q": "健康管理 康复医疗 医养服务".split(),
    "R": "文化传媒 文化旅游 体育发展".split(),
}
ENTERPRISE_BRANDS = (
    "鑫源 恒泰 瑞丰 宏达 金诚 华宇 天元 鲁通 齐力 泰和 嘉禾 盛达 博远 润泽 永安 康宁 凯盛 东岳 振华 联创 "
    "新锐 汇通 信诚 德润 荣昌 海川 景程 正和 蓝海 隆盛 安泰 泉信 胜达 同源 福瑞 昊天 明远 弘毅 星辰 源丰 "
    "富康 合力 益民 惠康 翔宇 晟达 金鼎 银河 万通 华泰 鲁昊 齐泰 瑞达 恒信 中正 国信 宏图 兴业 天成 泓源"
).split()
SURNAMES = (
    "王王王张张张李李李刘刘刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "杜程苏魏吕丁任沈姚卢姜崔钟谭陆范金石贾夏付方白邹孟秦邱尹薛闫段雷侯龙史陶贺顾毛郝孔"
)
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 鹏 华 飞 玲 波 宁 斌 辉 颖 琳 "
    "建国 晓东 海燕 志强 秀英 建华 文博 子涵 雨萱 浩然 俊杰 晓明 红梅 立新 振宇 家豪 欣怡 国庆 春雷 丽华"
).split()
MOBILE_PREFIXES = (
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 158 159 177 180 182 186 187 188 189".split()
)
ROADS = "人民路 建设路 解放路 胜利路 文化路 长江路 黄河路 泰山路 新华路 中山路 工业大道 经济开发区创业路 和平路 青年路 学府路".split()
HEADCOUNT_BANDS = [((20, 99), 35), ((100, 299), 30), ((300, 999), 20), ((1000, 4999), 12), ((5000, 20000), 3)]


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


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, float]]):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _weighted_sample(rng: random.Random, items: Sequence, weights: Sequence[float], k: int) -> list:
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


def _county_label(county: Region, city: Region) -> str:
    """How a school names its county: "平阴县", "胶州市", but "济南市历下区" for a district."""
    return f"{city.name}{county.name}" if county.name.endswith("区") else county.name


def _short(city: Region) -> str:
    return city.name.removesuffix("市")


def demo_totp_secret() -> str:
    return b32encode(DEMO_TOTP_KEY).decode()


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


# --- schools ---------------------------------------------------------------------------------


@dataclass
class _Geo:
    province: Region
    cities: list[Region]
    counties: dict[str, list[Region]]  # city code → counties in code order


def _geography() -> _Geo:
    regions = list(Region.objects.order_by("code"))
    province = next(r for r in regions if r.level == RegionLevel.PROVINCE)
    cities = [r for r in regions if r.level == RegionLevel.CITY]
    by_id = {c.pk: c for c in cities}
    counties: dict[str, list[Region]] = {c.code: [] for c in cities}
    for r in regions:
        if r.level == RegionLevel.COUNTY and r.parent_id in by_id:
            r.parent = by_id[r.parent_id]
            counties[r.parent.code].append(r)
    return _Geo(province=province, cities=cities, counties=counties)


def _city_weights(geo: _Geo) -> dict[str, float]:
    return {c.code: CITY_POPULATION.get(c.code, 300) for c in geo.cities if geo.counties[c.code]}


def _school_name(rng, *, kind, private, county, city, first, taken) -> tuple[str, bool]:
    """A unique name and whether it is a city-level school (supervised by the city)."""
    fill = {"county": _county_label(county, city), "city": city.name, "short": _short(city)}
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
    order = _weighted_sample(rng, options, [w for _t, w in options], len(options))
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


def _plan_schools(rng: random.Random, geo: _Geo, count: int, taken_codes: set[str]) -> list[Institution]:
    taken = set(Institution.objects.values_list("name", flat=True))
    quota = _largest_remainder(count, _city_weights(geo))
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
            kind = InstitutionKind.SECONDARY_VOCATIONAL if first else _weighted(rng, KIND_WEIGHTS)
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
                authority = f"{_county_label(county, city)}教育和体育局"
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
                    address=f"{_county_label(county, city)}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
                )
            )
    return schools


# --- offered majors --------------------------------------------------------------------------


def _theme(name: str) -> set[int]:
    offsets: set[int] = set()
    for words, cats in THEMES:
        if any(w in name for w in words) and "职业教育中心" not in name:
            offsets.update(cats)
            if offsets:
                break
    return offsets


def _plan_offerings(rng: random.Random, institutions: list[Institution]) -> list[InstitutionMajor]:
    by_level: dict[str, list[Major]] = {level: [] for level in MajorLevel.values}
    for major in Major.objects.order_by("code"):
        if not any(word in major.name for word in NOT_IN_SHANDONG):
            by_level[major.level].append(major)
    offerings: list[InstitutionMajor] = []
    for inst in institutions:
        theme = _theme(inst.name)
        for level, low, high in OFFER_PLAN.get(inst.kind, []):
            pool = by_level[level]
            if not pool:
                continue
            common = set(COMMON_MAJORS[level])
            k = min(rng.randint(low, high), len(pool))
            offset = LEVEL_OFFSET[level]
            # The half of a themed school's majors that come from its own categories (K allowed there).
            theme_weights = [
                (5 if m.name in common else 1) if int(m.code[:2]) - offset in theme else 0 for m in pool
            ]
            chosen = _weighted_sample(rng, pool, theme_weights, k // 2 if theme else 0)
            picked = {m.code for m in chosen}
            chosen += _weighted_sample(
                rng,
                pool,
                [
                    0 if m.code in picked or m.is_controlled else (COMMON_WEIGHT if m.name in common else 1)
                    for m in pool
                ],
                k - len(chosen),
            )
            for major in sorted(chosen, key=lambda m: m.code):
                offering_major_matches_institution(institution=inst, major=major)
                r = rng.random()
                status = (
                    OfferingStatus.SUSPENDED
                    if r < 0.04
                    else OfferingStatus.REVOKED
                    if r < 0.06
                    else OfferingStatus.FILED
                )
                offerings.append(
                    InstitutionMajor(
                        institution=inst,
                        major=major,
                        start_year=rng.randint(FIRST_START_YEAR, LAST_START_YEAR),
                        status=status,
                    )
                )
    return offerings


# --- enterprises -----------------------------------------------------------------------------


def make_credit_code(rng: random.Random, division: str) -> str:
    """A valid 统一社会信用代码 for an enterprise: 9 (工商) 1 (企业), the division, an "MA…" body.

    Structure and check character: GB 32100-2015 (shared/domain/credentials.md §6.2).
    """
    body = "91" + division + "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(7))
    return body + uscc_check_char(body)


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"


def _plan_enterprises(rng: random.Random, geo: _Geo, count: int) -> list[Enterprise]:
    weights = _city_weights(geo)
    city_codes = sorted(weights)
    cities = {c.code: c for c in geo.cities}
    taken_codes = set(Enterprise.objects.values_list("credit_code", flat=True))
    taken_names = set(Enterprise.objects.values_list("name", flat=True))
    industries = sorted(INDUSTRY_WEIGHTS)
    out: list[Enterprise] = []
    while len(out) < count:
        city = cities[rng.choices(city_codes, weights=[weights[c] for c in city_codes])[0]]
        county = rng.choice(geo.counties[city.code])
        industry = rng.choices(industries, weights=[INDUSTRY_WEIGHTS[i] for i in industries])[0]
        low_high = _weighted(rng, HEADCOUNT_BANDS)
        headcount = rng.randint(*low_high)
        suffix = (
            "集团有限公司" if headcount >= 3000 else ("股份有限公司" if rng.random() < 0.15 else "有限公司")
        )
        name = f"{_short(city)}{rng.choice(ENTERPRISE_BRANDS)}{rng.choice(INDUSTRY_WORDS[industry])}{suffix}"
        code = make_credit_code(rng, county.code)
        contact, phone = _person_name(rng), _mobile(rng)
        address = f"{_county_label(county, city)}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
        if name in taken_names or code in taken_codes:
            continue
        taken_names.add(name)
        taken_codes.add(code)
        out.append(
            Enterprise(
                credit_code=code,
                name=name,
                industry=industry,
                region=county,
                headcount=headcount,
                contact_name=contact,
                contact_phone=phone,
                address=address,
            )
        )
    return out


# --- accounts --------------------------------------------------------------------------------


def _account_node(account: DemoAccount, *, school: Institution | None, enterprise: Enterprise | None):
    if account.node_code is None:
        return None
    if account.node_code == "school":
        return school
    if account.node_code == "enterprise":
        return enterprise
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


def _create_accounts(*, actor, password: str, school, enterprise) -> None:
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
        node = _account_node(account, school=school, enterprise=enterprise)
        kwargs = {}
        if isinstance(node, Region):
            kwargs["region"] = node
        elif isinstance(node, Institution):
            kwargs["institution"] = node
        elif isinstance(node, Enterprise):
            kwargs["enterprise"] = node
        elif account.node_code is not None:
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


def demo_extensions() -> list[str]:
    """Each subsystem's demo loader (``AppConfig.demo_loader``), in the order they run after the
    shared data (each is idempotent)."""
    from zhijiao.core.contributions import demo_loaders

    return [loader.path for _label, loader in demo_loaders()]


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
    counts: dict[str, int] = {}
    if reference_data_missing():
        counts["reference rows"] = reference_data_load(actor=actor, data_dir=data_dir).written

    rng = random.Random(DEMO_SEED)
    geo = _geography()
    taken_codes = set(Institution.objects.exclude(code=None).values_list("code", flat=True))
    new_schools = _plan_schools(rng, geo, schools, taken_codes)
    for school in new_schools:
        school.clean_fields(exclude=["region"])
    Institution.objects.bulk_create(new_schools, batch_size=500)
    message = _("Demo data")
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        items=[(s, None, snapshot(s)) for s in new_schools],
        message=message,
    )
    counts["schools"] = len(new_schools)

    with_offerings = set(InstitutionMajor.objects.values_list("institution_id", flat=True).distinct())
    institutions = [
        i
        for i in Institution.objects.select_related("region").order_by("code")
        if i.pk not in with_offerings and i.code
    ]
    offerings = _plan_offerings(rng, institutions)
    for offering in offerings:
        offering.clean_fields(exclude=["institution", "major"])
    InstitutionMajor.objects.bulk_create(offerings, batch_size=1000)
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        items=[(o, None, snapshot(o)) for o in offerings],
        message=message,
    )
    counts["offered majors"] = len(offerings)

    new_enterprises = _plan_enterprises(rng, geo, enterprises)
    for enterprise in new_enterprises:
        enterprise.clean_fields(exclude=["region"])
    Enterprise.objects.bulk_create(new_enterprises, batch_size=500)
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        items=[(e, None, snapshot(e)) for e in new_enterprises],
        message=message,
    )
    counts["enterprises"] = len(new_enterprises)

    jinan = next((c.path for c in geo.cities if c.code == JINAN_CODE), "370000/370100/")
    school = (
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
    enterprise = next((e for e in new_enterprises if e.region.path.startswith(jinan)), None) or (
        new_enterprises[0] if new_enterprises else Enterprise.objects.order_by("credit_code").first()
    )
    _create_accounts(actor=actor, password=password, school=school, enterprise=enterprise)
    for dotted in demo_extensions() if extensions else ():
        import_string(dotted)(actor=actor)
    result = _result(True, password, counts, started)
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
