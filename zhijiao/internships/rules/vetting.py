"""Rules on the host and on the student's readiness before the start: host vetting and the province's
blacklist (教职成〔2021〕4号第七条), 岗前安全培训, 跨省/境外 approval and filing, a minor's health check and
registration (《未成年工特殊保护规定》, 劳部发〔1994〕498号)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .base import PlacementFacts, Violation, _v

#: ``PlacementFacts.host_vetting``: the school's assessment of the host.
HOST_NOT_ASSESSED, HOST_NOT_APPROVED, HOST_LISTED = "none", "draft", "listed"
IN_PROVINCE = "in_province"


def rule_host_vetted(f: PlacementFacts) -> list[Violation]:
    """INT-HOST-VETTED: before a new host receives students the school assesses it on site with a written
    report (资质, 诚信状况, 管理水平, 岗位, 工作时间, 工作与生活环境, 健康保障与安全防护), and the host list is
    decided by the school and published.

    Source: 教职成〔2021〕4号第七条 (quoted by a school's published host list; internships.md has no text of it).
    """
    if f.host_vetting == HOST_NOT_ASSESSED:
        return _v(
            "INT-HOST-VETTED",
            _(
                "The school has not assessed this host on site (Art. 7 of the 2021 rules): record the "
                "assessment and its written report before placing students."
            ),
        )
    if f.host_vetting == HOST_NOT_APPROVED:
        return _v(
            "INT-HOST-VETTED",
            _("The host is not on the school's approved host list (Art. 7 of the 2021 rules)."),
        )
    if f.host_assessed_on is not None and f.host_assessed_on > f.start_date:
        return _v(
            "INT-HOST-VETTED",
            _("The host was assessed on site only after the internship started (Art. 7 of the 2021 rules)."),
        )
    return []


def rule_host_blacklist(f: PlacementFacts) -> list[Violation]:
    """INT-HOST-BLACKLIST: a host on the province's blacklist during the placement's period receives no
    students; the entry's 文号 and reason are quoted.

    Source: 教职成〔2021〕4号第七条 (the host's 诚信状况) and the province's decision listing the host.
    """
    if f.blacklisted is None:
        return []
    number, reason = f.blacklisted
    return _v(
        "INT-HOST-BLACKLIST",
        _("The host is on the province's blacklist (%(number)s): %(reason)s")
        % {"number": number, "reason": reason},
    )


def rule_safety_training(f: PlacementFacts) -> list[Violation]:
    """INT-TRAINING: before a 岗位实习 the student is trained (安全防护, 岗位操作规程) and passes a test.

    Source: 教职成〔2021〕4号第三十一条 (未经教育培训或未通过考核的学生不得参加实习).
    """
    if not f.is_post:
        return []
    if f.training_on is None or f.training_on > f.start_date:
        return _v("INT-TRAINING", _("The pre-placement safety training is not recorded before the start."))
    if f.test_passed_on is None or f.test_passed_on > f.start_date:
        return _v("INT-TRAINING", _("The student has not passed the safety test before the start."))
    return []


def rule_outside_province(f: PlacementFacts) -> list[Violation]:
    """INT-OUTSIDE: an internship in another province or abroad needs the superior authority's approval,
    and the authority files it with the provincial authority, before the start.

    Source: 教职成〔2021〕4号第二十四条第二款 (跨省) and 第二十五条 (国(境)外): the school's authority agrees beforehand
    and the placement is filed with the province.
    """
    if f.destination == IN_PROVINCE:
        return []
    if f.outside_approved_on is None or f.outside_approved_on > f.start_date:
        return _v(
            "INT-OUTSIDE",
            _("An internship in another province or abroad needs the superior authority's approval first."),
        )
    if f.outside_filed_on is None or f.outside_filed_on > f.start_date:
        return _v(
            "INT-OUTSIDE",
            _("The internship in another province or abroad has not been filed with the province."),
        )
    return []


def rule_minor_health(f: PlacementFacts) -> list[Violation]:
    """INT-MINOR-HEALTH: a student under 18 at the start has a health check before the work is assigned
    (Art. 6) and is registered as a minor worker (Art. 9).

    Source: 《未成年工特殊保护规定》 (劳部发〔1994〕498号) 第六条、第九条, in force from 1995-01-01.
    """
    if not f.is_post or not f.is_minor:
        return []
    if f.health_check_on is None or f.health_check_on > f.start_date:
        return _v(
            "INT-MINOR-HEALTH",
            _("The student is under 18: the health check before the work is assigned is missing (Art. 6)."),
        )
    if f.minor_registered_on is None or f.minor_registered_on > f.start_date:
        return _v(
            "INT-MINOR-HEALTH",
            _("The student is under 18: the minor-worker registration is missing (Art. 9)."),
        )
    return []


VETTING_RULES = {
    "INT-HOST-VETTED": rule_host_vetted,
    "INT-HOST-BLACKLIST": rule_host_blacklist,
    "INT-TRAINING": rule_safety_training,
    "INT-OUTSIDE": rule_outside_province,
    "INT-MINOR-HEALTH": rule_minor_health,
}
