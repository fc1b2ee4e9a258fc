"""The competitions' named rules (core.rules). The 2021 plan asks the province to hold the skills,
teaching-ability and 班主任 competitions (routine item 34); the notice of each event states its
quotas, dates and prize ratios. The prize ratios below are the platform's default (示例) until an
event's notice gives its own; 回避 reuses the expert pool's rule (PROG-AVOID-FORMER-EMPLOYER)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from zhijiao.core.rules import Rule, register

APP = "competitions"
PLAN = "2021年全省职业教育工作要点（二、常规工作 第34项）"

AWARD_RATIOS = register(
    Rule(
        id="COMP-AWARD-RATIOS",
        title=gettext_noop("Shares of entries given first, second and third prizes (示例 default)"),
        citation=PLAN,
        app=APP,
        kind="platform",
        params={
            "COMPETITIONS_FIRST_PRIZE_PERCENT": 10,
            "COMPETITIONS_SECOND_PRIZE_PERCENT": 20,
            "COMPETITIONS_THIRD_PRIZE_PERCENT": 30,
        },
    )
)
QUOTA = register(
    Rule(
        id="COMP-QUOTA",
        title=gettext_noop("Entries per school and per city within the contest's quota"),
        citation="当届大赛通知“参赛名额”",
        app=APP,
    )
)
ELIGIBLE_STUDENT = register(
    Rule(
        id="COMP-ELIG-STUDENT",
        title=gettext_noop("A student entrant is registered (在籍) at the school, in the contest's 专业类"),
        citation="当届大赛通知“参赛对象”",
        app=APP,
    )
)
DEADLINE = register(
    Rule(
        id="COMP-DEADLINE",
        title=gettext_noop("Entries and the cities' sending close on the notice's dates"),
        citation="当届大赛通知“报名时间”",
        app=APP,
    )
)
TIE_BREAK = register(
    Rule(
        id="COMP-TIE-BREAK",
        title=gettext_noop(
            "Equal average totals are ranked by the higher average on the first rubric item, then"
            " the next items in order, then the shorter time used; entries still equal share a rank"
        ),
        app=APP,
        kind="platform",
    )
)
