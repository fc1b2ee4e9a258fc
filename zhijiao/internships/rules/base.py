"""Rule settings ([R]/[S] numbers), the facts snapshot a rule reads, and ``Violation``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ..choices import ArrangedVia, InternshipKind, PayMethod, PremiumPayer, VenueKind, WorkKind

# --- settings ----------------------------------------------------------------------------------------
DEFAULTS: dict[str, object] = {
    "INTERNSHIP_MIN_AGE": 16,
    "INTERNSHIP_ADULT_AGE": 18,
    "INTERNSHIP_GRADE_ONE_MONTHS": 12,
    "INTERNSHIP_ENTERTAINMENT_KEYWORDS": (
        "酒吧",
        "夜总会",
        "歌厅",
        "KTV",
        "洗浴",
        "电子游戏",
        "游戏厅",
        "网吧",
    ),
    "INTERNSHIP_AGENCY_KEYWORDS": ("劳务派遣", "人力资源服务", "职业中介", "劳务中介"),
    "INTERNSHIP_MAX_PHYSICAL_LEVEL": 2,
    "INTERNSHIP_MAX_DAILY_HOURS": 8,
    "INTERNSHIP_MAX_WEEKLY_HOURS": 40,
    "INTERNSHIP_BREAK_HOURS": 1,
    "INTERNSHIP_NIGHT_START": "22:00",
    "INTERNSHIP_NIGHT_END": "06:00",
    "INTERNSHIP_UNIT_RATIO": "0.10",
    "INTERNSHIP_POST_RATIO": "0.20",
    "INTERNSHIP_PAY_RATIO": "0.80",
    "INTERNSHIP_MAX_PAY_INTERVAL_DAYS": 31,
    "INTERNSHIP_FEE_BLOCKLIST": (
        "deposit",
        "training",
        "commission",
        "management",
        "materials",
        "employment_service",
        "other",
    ),
    "INTERNSHIP_POST_MONTHS": 6,
    "INTERNSHIP_EXTENDED_MONTHS": 12,
    "INTERNSHIP_EXTENDED_CATEGORIES": ("医药卫生",),
    "INTERNSHIP_GRADING_DUE_DAYS": 30,
    "INTERNSHIP_MISSING_DAYS": 3,
    # Incident 直报 (services/incidents.py): no official time limit was found (internships.md §15), so
    # these are the platform's defaults, for the province to set.
    "INTERNSHIP_INCIDENT_REPORT_HOURS": 24,
    "INTERNSHIP_INCIDENT_FOLLOWUP_DAYS": 7,
    "INTERNSHIP_INCIDENT_ESCALATE_HOURS": 24,
}


def conf(name: str):
    """A rule's number: ``settings.<name>`` if set, else the default its rule declares in the rule
    registry (``core.rules.param``; the defaults are ``DEFAULTS``)."""
    from zhijiao.core import rules as registry

    return registry.param(name)


def setting_names() -> list[str]:
    return sorted(DEFAULTS)


# --- snapshot ----------------------------------------------------------------------------------------
@dataclass
class AgreementFacts:
    fields: dict[str, object]  # the required contents (internships.md §9) by name
    school_signed_on: dt.date | None = None
    host_signed_on: dt.date | None = None
    student_signed_on: dt.date | None = None
    guardian_consent_on: dt.date | None = None
    has_guardian_file: bool = False
    fee_items: list = field(default_factory=list)
    keeps_id_documents: bool = False
    guarantee_required: bool = False


@dataclass
class PolicyFacts:
    policy_no: str
    start: dt.date
    end: dt.date
    premium_payer: str = PremiumPayer.SCHOOL


@dataclass
class PayFacts:
    period: dt.date
    paid_on: dt.date
    method: str = PayMethod.BANK_TRANSFER
    paid_to_student: bool = True
    premium_deducted: bool = False


@dataclass
class PlacementFacts:
    """What the rules need to know about one placement, as plain values."""

    kind: str = InternshipKind.POST
    start_date: dt.date = dt.date(2026, 3, 1)
    end_date: dt.date = dt.date(2026, 8, 31)
    today: dt.date = dt.date(2026, 3, 1)
    status: str = "draft"
    # student
    birth_date: dt.date | None = None
    gender: str = "male"
    entry_date: dt.date | None = None
    student_category: str = ""  # 专业大类 name of the student's major
    student_eligible: bool = True
    # host and post
    enterprise_name: str = ""
    venue_kind: str = VenueKind.ORDINARY
    physical_labour_level: int = 1
    high_risk: bool = False
    minor_forbidden: bool = False
    female_forbidden: bool = False
    daily_hours: Decimal = Decimal(8)
    weekly_hours: Decimal = Decimal(40)
    shift_start: dt.time = dt.time(8, 30)
    shift_end: dt.time = dt.time(17, 30)
    works_holidays: bool = False
    overtime: bool = False
    wage_standard: Decimal = Decimal(0)
    lowest_grade_wage: Decimal = Decimal(0)
    post_category: str = ""
    # placement
    arranged_via: str = ArrangedVia.SCHOOL
    self_application_on: dt.date | None = None
    self_approved_on: dt.date | None = None
    work_kind: str = WorkKind.INDEPENDENT
    monthly_pay: Decimal = Decimal(0)
    pay_cycle_days: int = 30
    pay_method: str = PayMethod.BANK_TRANSFER
    paid_directly: bool = True
    special_arrangement_ref: str = ""
    # Approved exceptions to the "一般/原则上" rules: rule id → how the approval is cited.
    exceptions: dict[str, str] = field(default_factory=dict)
    training_plan_reference: str = ""
    plan_filed: bool = True
    # caps, counted over every school, including this placement
    enterprise_staff: int = 0
    enterprise_interns: int = 0
    post_staff: int = 0  # 0: not recorded (unknown, not "no staff")
    post_staff_declared_on: dt.date | None = None
    post_interns: int = 0
    # documents
    agreement: AgreementFacts | None = None
    policies: list[PolicyFacts] = field(default_factory=list)
    mentor_kinds: set[str] = field(default_factory=set)
    pay_records: list[PayFacts] = field(default_factory=list)
    school_grade: str = ""
    # observed from check-ins (the daily sweep fills these)
    holiday_work_days: int = 0
    night_checkins: int = 0
    max_observed_daily_hours: float = 0.0
    last_checkin_day: dt.date | None = None
    # Host vetting and readiness (rules/vetting.py). The defaults describe a compliant placement;
    # ``facts.placement_facts`` always fills them from the database.
    host_vetting: str = "listed"  # "none": not assessed; "draft": assessed, not on the school's list
    host_assessed_on: dt.date | None = None
    blacklisted: tuple[str, str] | None = None  # (文号, reason) of an entry in force during the period
    training_on: dt.date | None = dt.date.min
    test_passed_on: dt.date | None = dt.date.min
    destination: str = "in_province"
    outside_approved_on: dt.date | None = None
    outside_filed_on: dt.date | None = None
    health_check_on: dt.date | None = dt.date.min
    minor_registered_on: dt.date | None = dt.date.min

    @property
    def is_post(self) -> bool:
        return self.kind == InternshipKind.POST

    @property
    def age_at_start(self) -> int | None:
        return age_on(self.birth_date, self.start_date) if self.birth_date else None

    @property
    def is_minor(self) -> bool:
        age = self.age_at_start
        return age is not None and age < conf("INTERNSHIP_ADULT_AGE")


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str
    severity: str = "block"
    source: str = ""

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "message": str(self.message),
            "severity": self.severity,
            "source": self.source,
        }


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


SOURCES = {
    "INT-AGE": "教职成〔2021〕4号 Art. 16(2); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-GRADE1": "教职成〔2021〕4号 Art. 16(1); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-VENUE": "教职成〔2021〕4号 Art. 16(5); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-AGENT": "教职成〔2021〕4号 Art. 16(6); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-PHYS": "教职成〔2021〕4号 Art. 16(7); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-MINOR": "教职成〔2021〕4号 Art. 16(3), 《未成年工特殊保护规定》; https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-FEMALE": "教职成〔2021〕4号 Art. 16(4), 《女职工劳动保护特别规定》; https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-HOL": "教职成〔2021〕4号 Art. 17 (secondary: http://gocodog.com/index.php?c=show&id=1874)",
    "INT-NIGHT": "教职成〔2021〕4号 Art. 17 (secondary: http://gocodog.com/index.php?c=show&id=1874)",
    "INT-HOURS": "《中等职业学校学生实习管理办法》(2007); 《劳动法》 Art. 36; https://news.sohu.com/20070718/n251131939.shtml",
    "INT-RATIO-UNIT": "2016 Art. 9 / 2021 细则; https://m.b15k.com/zzfl/86436.html, http://gocodog.com/index.php?c=show&id=1874",
    "INT-RATIO-POST": "2016 Art. 9 / 2021 细则; https://m.b15k.com/zzfl/86436.html, http://gocodog.com/index.php?c=show&id=1874",
    "INT-PAY": "教职成〔2021〕4号 Art. 18; https://wechat.estsglobal.com/wechat/law_contents/350",
    "INT-PAY-CYCLE": "教职成〔2021〕4号 Art. 18; https://wechat.estsglobal.com/wechat/law_contents/350",
    "INT-FEES": "Shaanxi 细则; http://tour.mbatrip.com/tour/2023/0104/52741.html",
    "INT-ID-DOCS": "internships.md §7: the 2016 and 2021 rules forbid holding students' ID documents [S]",
    "INT-GUARANTEE": "internships.md §7: no guarantee, no taking the student's property (Shaanxi 细则) [S]",
    "INT-PREMIUM": "internships.md §10: the school pays the premium; never charged to or deducted from the student [V 2010/R 2021]",
    "INT-DUR": "Shaanxi/Hainan 细则; http://tour.mbatrip.com/tour/2023/0104/52741.html, http://gocodog.com/index.php?c=show&id=1874",
    "INT-MAJOR": "Shaanxi 细则 (不得跨专业大类); http://tour.mbatrip.com/tour/2023/0104/52741.html",
    "INT-AGREE": "2021 细则; http://gocodog.com/index.php?c=show&id=1874, http://www.cnhxjy.cn/zyjy/6010.html",
    "INT-INS": "教职成〔2010〕 student internship liability insurance; https://m.jiajiaoban.com/e/20101105/4cd36358d7f24.shtml",
    "INT-SELF": "2016 Art. 8 summary (self-arranged: application + school approval; 认识实习 not self-arranged); 2021 consent sentence, Shaanxi 细则; https://m.64365.com/ask/12816754.aspx",
    "INT-ASSESS": "2016 Art. 8 summary; https://m.64365.com/ask/12816754.aspx",
    "INT-MENTOR": "2016 Art. 8 summary; https://m.64365.com/ask/12816754.aspx",
    "INT-FILING": "provincial 细则 (实习方案备案) [R]",
    "INT-MISSING": "platform check (internships.md §13): no check-in for N days is 失联",
    "INT-STATUS": "students.md: a suspended, withdrawn or graduated student holds no active 学籍",
    "INT-OVERLAP": "教职成〔2021〕4号 Art. 17 (working time), derived: one placement at a time",
    "INT-INCIDENT": "platform rule: internships.md §15 found no official time limit for reporting serious incidents; configurable defaults",
    "INT-HOST-VETTED": "教职成〔2021〕4号 第七条 (新增实习单位实地考察评估、书面报告、名单经校级党组织会议研究确定后对外公开), quoted by a school's published host list; not in internships.md",
    "INT-HOST-BLACKLIST": "教职成〔2021〕4号 第七条 (诚信状况) + the province's listing decision (its 文号 on the entry)",
    "INT-TRAINING": "教职成〔2021〕4号 第三十一条 (未经教育培训或未通过考核的学生不得参加实习), official text",
    "INT-OUTSIDE": "教职成〔2021〕4号 第二十四条第二款 (跨省: 学校主管部门同意, 报省级主管部门备案), 第二十五条 (国(境)外: the same), official text",
    "INT-MINOR-HEALTH": "劳部发〔1994〕498号 第九条 (登记制度: quoted with its number by two reprints); 第六条 (health checks, the first before the post is assigned: reprints quote Art. 7 as the check form and Art. 8 as assigning work by its result)",
}


# What users see as a rule's basis: the official document and article, never a web address
# (SOURCES above is the research trail, for developers). Article numbers of the 2021 text are checked
# against the official text (the docx attached to the gov.cn release of 教职成〔2021〕4号, 7 chapters /
# 50 articles; see VERIFIED below); every part of a citation names its article (tests/test_citations).
_REG_2021 = "《职业学校学生实习管理规定》（教职成〔2021〕4号）"
_REG_2016 = "《职业学校学生实习管理规定》（教职成〔2016〕3号）"
CITATIONS = {
    "INT-AGE": f"{_REG_2021}第十六条第（二）项",
    "INT-GRADE1": f"{_REG_2021}第十六条第（一）项",
    "INT-VENUE": f"{_REG_2021}第十六条第（五）项",
    "INT-AGENT": f"{_REG_2021}第十六条第（六）项",
    "INT-PHYS": f"{_REG_2021}第十六条第（七）项、第十七条第（一）项",
    # Art. 16(3)/(4) name the protective regulations themselves (禁忌从事的劳动 under them).
    "INT-MINOR": f"{_REG_2021}第十六条第（三）项",
    "INT-FEMALE": f"{_REG_2021}第十六条第（四）项",
    "INT-HOL": f"{_REG_2021}第十七条第（二）项",
    # Derived: the 实习时间 of Art. 17 is one student's time, so two placements cannot share it.
    "INT-OVERLAP": f"{_REG_2021}第十七条",
    "INT-NIGHT": f"{_REG_2021}第十七条第（三）项",
    "INT-HOURS": f"{_REG_2021}第十七条；《中华人民共和国劳动法》第三十六条",
    "INT-RATIO-UNIT": f"{_REG_2021}第十一条第一款",
    "INT-RATIO-POST": f"{_REG_2021}第十一条第一款",
    "INT-PAY": f"{_REG_2021}第十八条",
    "INT-PAY-CYCLE": f"{_REG_2021}第十八条",
    "INT-FEES": f"{_REG_2021}第二十条",
    "INT-ID-DOCS": f"{_REG_2021}第二十条",
    "INT-GUARANTEE": f"{_REG_2021}第二十条",
    "INT-PREMIUM": f"{_REG_2021}第三十五条第二款",
    "INT-DUR": f"{_REG_2021}第十二条",
    "INT-MAJOR": f"{_REG_2021}第八条第三款",
    "INT-AGREE": f"{_REG_2021}第十四条、第十五条",
    "INT-INS": f"{_REG_2021}第三十五条第一款",
    "INT-ASSESS": f"{_REG_2021}第二十七条",
    "INT-MENTOR": f"{_REG_2021}第八条第二款、第十条",
    "INT-SELF": f"{_REG_2021}第九条、第十条",
    "INT-FILING": f"{_REG_2021}第五条",
    # Art. 23: the mentors check every day and report at once; the missing days and the 直报 time limits
    # are the platform's parameters under it (no official number exists, internships.md §15).
    "INT-MISSING": f"{_REG_2021}第二十三条",
    "INT-INCIDENT": f"{_REG_2021}第二十三条",
    # Art. 2: an internship is of a student of the school (a suspended, withdrawn or graduated student is not).
    "INT-STATUS": f"{_REG_2021}第二条",
    "INT-HOST-VETTED": f"{_REG_2021}第七条",
    "INT-HOST-BLACKLIST": f"{_REG_2021}第六条第（一）项、第七条",
    "INT-TRAINING": f"{_REG_2021}第三十一条",
    "INT-OUTSIDE": f"{_REG_2021}第二十四条第二款、第二十五条",
    "INT-MINOR-HEALTH": "《未成年工特殊保护规定》（劳部发〔1994〕498号）第六条、第九条",
}

#: How each article number was checked (developer trail, never shown). 2021: the official docx attached to
#: https://www.gov.cn/zhengce/zhengceku/2022-01/21/content_5669670.htm, as extracted verbatim in the public
#: repository hencter/workers-ledger (sources/全文/N01.md, SHA-256 of the docx recorded there), cross-checked
#: for Arts. 2, 16 and 18 against per-article reprints. 2016: no official text was found; the numbers rest on
#: secondary reprints quoting the articles (see CITATIONS_2016).
VERIFIED = {
    "2021": "official text: Arts. 2, 5–12, 14–18, 20, 23–25, 27, 31, 35 read for the rules citing them",
    "2016": "secondary: Art. 6 (实地考察评估), Art. 9 (10%/20%), Art. 10 (顶岗一般6个月), Art. 15 (six bans), "
    "Art. 17 (pay, 试用期 80%), Art. 28 (考核) quoted with their numbers; Art. 16 (working time, also "
    "for INT-HOURS) lies between them; Art. 8 (self-arranged, mentors) from a summary",
}


# --- regulation versions ----------------------------------------------------------------------------
# 《职业学校学生实习管理规定》 was issued as 教职成〔2016〕3号 and revised as 教职成〔2021〕4号, dated
# 2021-12-31 (internships.md §0). A rule of the regulation is registered once per version it exists in:
# the 2021 version under its plain id (``INT-PAY``), the 2016 version as ``INT-PAY@2016``; each carries its
# window (``valid_from``/``valid_to``, inclusive) and its citation. A placement is judged by the versions
# in force on any of its days, and its violations cite those versions.
REGULATION_2016 = "教职成〔2016〕3号"
REGULATION_2021 = "教职成〔2021〕4号"
VERSION_SEP = "@"
VERSIONS = {
    # version key: (文号, valid_from, valid_to)
    "2016": (REGULATION_2016, dt.date(2016, 4, 11), dt.date(2021, 12, 30)),
    "2021": (REGULATION_2021, dt.date(2021, 12, 31), None),
}

# The 2016 citations of the rules the 2016 规定 already had. Reprints quoting the 2016 text number the six
# bans Art. 15 (without the physical-labour ban, 2021 Art. 16(7), new in 2021), the pay Art. 17 and the
# tax deduction Art. 18, so the working-time article (high-risk posts, holidays, overtime and nights) is
# Art. 16; the caps Art. 9, the duration Art. 10, the on-site assessment Art. 6, the assessment Art. 28.
# The fees, documents, guarantee, agreement and premium sentences of 2016 could not be placed in an
# article from any text found: their 2016 versions cite the document by topic (UNPLACED_2016).
CITATIONS_2016 = {
    "INT-AGE": f"{_REG_2016}第十五条",
    "INT-GRADE1": f"{_REG_2016}第十五条",
    "INT-VENUE": f"{_REG_2016}第十五条",
    "INT-AGENT": f"{_REG_2016}第十五条",
    "INT-MINOR": f"{_REG_2016}第十五条",
    # Only the high-risk posts of the working-time article; the level-III ban is 2021 Art. 16(7).
    "INT-PHYS": f"{_REG_2016}第十六条",
    "INT-FEMALE": f"{_REG_2016}第十五条",
    "INT-HOL": f"{_REG_2016}第十六条",
    "INT-OVERLAP": f"{_REG_2016}第十六条",
    "INT-NIGHT": f"{_REG_2016}第十六条",
    "INT-RATIO-UNIT": f"{_REG_2016}第九条",
    "INT-RATIO-POST": f"{_REG_2016}第九条",
    "INT-PAY": f"{_REG_2016}第十七条",
    "INT-PAY-CYCLE": f"{_REG_2016}第十七条",
    "INT-AGREE": f"{_REG_2016}（实习协议）",
    "INT-SELF": f"{_REG_2016}第八条",
    "INT-FEES": f"{_REG_2016}（不得收取实习押金、报酬提成、管理费等费用）",
    "INT-ID-DOCS": f"{_REG_2016}（不得扣押学生的居民身份证）",
    "INT-GUARANTEE": f"{_REG_2016}（不得要求学生提供担保）",
    "INT-PREMIUM": f"{_REG_2016}（实习责任保险）",
    "INT-ASSESS": f"{_REG_2016}第二十八条",
    "INT-MENTOR": f"{_REG_2016}第八条",
    # 顶岗实习 "一般为6个月" (2016 Art. 10, quoted with its number); the working-time article with the
    # 劳动法's hours, as the 2021 version cites Art. 17 with them.
    "INT-DUR": f"{_REG_2016}第十条",
    "INT-HOURS": f"{_REG_2016}第十六条；《中华人民共和国劳动法》第三十六条",
    "INT-INS": f"{_REG_2016}（实习责任保险）",
}
#: 2016 versions whose article could not be verified (reported; the citation test lists them by name).
UNPLACED_2016 = frozenset({"INT-AGREE", "INT-FEES", "INT-ID-DOCS", "INT-GUARANTEE", "INT-PREMIUM", "INT-INS"})
# Rules of the 2021 text, in force from 2021-12-31. Every rule shown to a user cites a version of the
# regulation with its window: the ones the 2016 text already had (CITATIONS_2016) and the ones the 2021
# revision brought or that rest on its articles alone — the same 专业大类 (Art. 8(3), new in 2021), the
# 实习方案备案 (Art. 5), the student's status (Art. 2), the vetting, blacklist, training and outside-province
# rules, and the daily check and incident reports under Art. 23 (platform parameters). A placement wholly
# before 2021-12-31 is not judged by them: no official text places them in the 2016 规定.
REGULATION_2021_RULES = frozenset(
    {
        *CITATIONS_2016,
        "INT-PHYS",
        "INT-MAJOR",
        "INT-FILING",
        "INT-STATUS",
        "INT-MISSING",
        "INT-INCIDENT",
        "INT-HOST-VETTED",
        "INT-HOST-BLACKLIST",
        "INT-TRAINING",
        "INT-OUTSIDE",
    }
)
#: Rules of other regulations with their own window: 《未成年工特殊保护规定》 took effect on 1995-01-01.
OTHER_WINDOWS = {"INT-MINOR-HEALTH": (dt.date(1995, 1, 1), None)}


def version_reached(f, version: str) -> bool:
    """Whether some day of the placement falls in ``version``'s window (for the parts of a rule that one
    version added, such as the level-III ban of 2021 Art. 16(7))."""
    _, valid_from, valid_to = VERSIONS[version]
    return f.end_date >= valid_from and (valid_to is None or f.start_date <= valid_to)


def base_rule_id(rule_id: str) -> str:
    """``INT-PAY@2016`` → ``INT-PAY``."""
    return rule_id.split(VERSION_SEP, 1)[0]


def rule_versions(rule_id: str) -> list:
    """The registered versions of a rule (its plain id and ``<id>@<version>``), oldest first."""
    from zhijiao.core import rules as registry

    base = base_rule_id(rule_id)
    found = [r for r in registry.all_rules(app="internships") if base_rule_id(r.id) == base]
    return sorted(found, key=lambda r: r.valid_from or dt.date.min)


def versions_in_force(rule_id: str, start: dt.date | None, end: dt.date | None = None) -> list:
    """The versions of a rule in force on some day of ``start``–``end`` (a single day if no end)."""
    if start is None:
        today = dt.date.today()
        return [r for r in rule_versions(rule_id) if r.in_force(today)] or rule_versions(rule_id)[-1:]
    end = end or start
    return [
        r
        for r in rule_versions(rule_id)
        if (r.valid_from is None or r.valid_from <= end) and (r.valid_to is None or start <= r.valid_to)
    ]


def citation(rule_id: str, start: dt.date | None = None, end: dt.date | None = None) -> str:
    """The official citation shown to users for a rule ("" for the platform's check-in anomalies), as
    the rule registry holds it: of the version(s) in force on the placement's days ``start``–``end``,
    or of the version in force today when no day is given."""
    from zhijiao.core import rules as registry

    found = versions_in_force(rule_id, start, end)
    if not found:
        return registry.citation(rule_id)
    return "；".join(dict.fromkeys(r.citation for r in found if r.citation))


def _v(rule_id: str, message, severity: str = "block") -> list[Violation]:
    # ``source`` is what the API and the stored violations show: the official citation, never the
    # research trail (``evaluate`` narrows it to the versions in force on the placement's days).
    return [Violation(rule_id=rule_id, message=message, severity=severity, source=citation(rule_id))]
