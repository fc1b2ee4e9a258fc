"""The demo's offered majors (and the reference data it needs), loaded by ``core.demo`` through
``MajorsConfig.demo_loader``: each school offers majors of its level, themed by its name."""

from __future__ import annotations

import random

from zhijiao.core.audit import AuditAction, audit_bulk, snapshot
from zhijiao.core.demo import DemoContext, weighted_sample
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.orgs.models import Institution

from .choices import MajorLevel, OfferingStatus
from .models import InstitutionMajor, Major
from .reference import reference_data_load, reference_data_missing
from .services import offering_major_matches_institution

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
            chosen = weighted_sample(rng, pool, theme_weights, k // 2 if theme else 0)
            picked = {m.code for m in chosen}
            chosen += weighted_sample(
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


def load_demo_reference(ctx: DemoContext) -> None:
    """Stage ``reference``: the divisions, the catalogue and the colleges, when not loaded yet."""
    if reference_data_missing():
        ctx.counts["reference rows"] = reference_data_load(actor=ctx.actor, data_dir=ctx.data_dir).written


def load_demo_offerings(ctx: DemoContext) -> None:
    """Stage ``shared``: the majors of every school that offers none yet."""
    with_offerings = set(InstitutionMajor.objects.values_list("institution_id", flat=True).distinct())
    institutions = [
        i
        for i in Institution.objects.select_related("region").order_by("code")
        if i.pk not in with_offerings and i.code
    ]
    offerings = _plan_offerings(ctx.rng, institutions)
    for offering in offerings:
        offering.clean_fields(exclude=["institution", "major"])
    InstitutionMajor.objects.bulk_create(offerings, batch_size=1000)
    audit_bulk(
        actor=ctx.actor,
        action=AuditAction.CREATE,
        items=[(o, None, snapshot(o)) for o in offerings],
        message=ctx.message,
    )
    ctx.counts["offered majors"] = len(offerings)
