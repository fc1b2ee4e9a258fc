"""The demo's enterprises, loaded by ``core.demo`` through ``EnterprisesConfig.demo_loader``;
one in 济南 is the demo enterprise account's node."""

from __future__ import annotations

import random

from zhijiao.core.audit import AuditAction, audit_bulk, snapshot
from zhijiao.core.demo import (
    ROADS,
    DemoContext,
    DemoGeo,
    city_weights,
    county_label,
    short_city_name,
    weighted,
)
from zhijiao.core.validators import USCC_ALPHABET, uscc_check_char

from .models import Enterprise

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

HEADCOUNT_BANDS = [((20, 99), 35), ((100, 299), 30), ((300, 999), 20), ((1000, 4999), 12), ((5000, 20000), 3)]


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


def _plan_enterprises(rng: random.Random, geo: DemoGeo, count: int) -> list[Enterprise]:
    weights = city_weights(geo)
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
        low_high = weighted(rng, HEADCOUNT_BANDS)
        headcount = rng.randint(*low_high)
        suffix = (
            "集团有限公司" if headcount >= 3000 else ("股份有限公司" if rng.random() < 0.15 else "有限公司")
        )
        name = f"{short_city_name(city)}{rng.choice(ENTERPRISE_BRANDS)}{rng.choice(INDUSTRY_WORDS[industry])}{suffix}"
        code = make_credit_code(rng, county.code)
        contact, phone = _person_name(rng), _mobile(rng)
        address = f"{county_label(county, city)}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
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


def load_demo_enterprises(ctx: DemoContext) -> None:
    """Stage ``shared``: ``ctx.enterprises`` enterprises, weighted by city population."""
    new_enterprises = _plan_enterprises(ctx.rng, ctx.geo, ctx.enterprises)
    for enterprise in new_enterprises:
        enterprise.clean_fields(exclude=["region"])
    Enterprise.objects.bulk_create(new_enterprises, batch_size=500)
    audit_bulk(
        actor=ctx.actor,
        action=AuditAction.CREATE,
        items=[(e, None, snapshot(e)) for e in new_enterprises],
        message=ctx.message,
    )
    ctx.counts["enterprises"] = len(new_enterprises)
    ctx.nodes["enterprise"] = next(
        (e for e in new_enterprises if e.region.path.startswith(ctx.jinan_path)), None
    ) or (new_enterprises[0] if new_enterprises else Enterprise.objects.order_by("credit_code").first())
