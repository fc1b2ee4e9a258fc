"""Art. 16: the seven prohibitions (age, grade one, venues, agents, heavy work, minors, women)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..choices import ArrangedVia, VenueKind
from .base import PlacementFacts, Violation, _v, add_months, conf, version_reached


# --- Art. 16: the seven prohibitions ----------------------------------------------------------------
def rule_age(f: PlacementFacts) -> list[Violation]:
    """INT-AGE [V]: no 岗位实习 for students under 16 on the start date.

    Source: 教职成〔2021〕4号 Art. 16(2), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if not f.is_post:
        return []
    if f.birth_date is None:
        return _v("INT-AGE", _("The student's birth date is unknown, so the minimum age cannot be checked."))
    minimum = conf("INTERNSHIP_MIN_AGE")
    if f.age_at_start < minimum:
        return _v("INT-AGE", _("The student is under %(age)s on the start date.") % {"age": minimum})
    return []


def rule_grade_one(f: PlacementFacts) -> list[Violation]:
    """INT-GRADE1 [V]: no 岗位实习 in grade one (the first 12 months after entry, configurable).

    Source: 教职成〔2021〕4号 Art. 16(1), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if not f.is_post or f.entry_date is None:
        return [] if not f.is_post else _v("INT-GRADE1", _("The student's entry date is unknown."))
    if f.start_date < add_months(f.entry_date, conf("INTERNSHIP_GRADE_ONE_MONTHS")):
        return _v("INT-GRADE1", _("Grade-one students may not take a post internship."))
    return []


def _has_keyword(text: str, keywords) -> bool:
    upper = (text or "").upper()
    return any(k.upper() in upper for k in keywords)


def rule_venue(f: PlacementFacts) -> list[Violation]:
    """INT-VENUE [V]: no bars, night clubs, KTV, bath centres, game halls, internet cafés or similar.

    Matched on the post's kind of venue and on keywords in the host's name (configurable).
    Source: 教职成〔2021〕4号 Art. 16(5), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.venue_kind != VenueKind.ORDINARY or _has_keyword(
        f.enterprise_name, conf("INTERNSHIP_ENTERTAINMENT_KEYWORDS")
    ):
        return _v("INT-VENUE", _("Students may not be placed in commercial entertainment venues."))
    return []


def rule_agent(f: PlacementFacts) -> list[Violation]:
    """INT-AGENT [V]: no intermediary or paid agent; labour-dispatch / HR-agency hosts are flagged.

    Source: 教职成〔2021〕4号 Art. 16(6), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.arranged_via in (ArrangedVia.INTERMEDIARY, ArrangedVia.PAID_AGENT):
        return _v("INT-AGENT", _("Internships may not be arranged through an intermediary or a paid agent."))
    if _has_keyword(f.enterprise_name, conf("INTERNSHIP_AGENCY_KEYWORDS")):
        return _v(
            "INT-AGENT",
            _("The host looks like a labour-dispatch or HR agency; a placement there is not allowed."),
        )
    return []


def rule_physical(f: PlacementFacts) -> list[Violation]:
    """INT-PHYS [V]: physical-labour intensity below level III; no high-risk posts (Art. 17(a)).

    Source: 教职成〔2021〕4号 Art. 16(7) and 17, https://wechat.estsglobal.com/wechat/law_contents/348
    """
    out = []
    # The level-III ban is new in 2021 (Art. 16(7)); the 2016 text (Art. 17) had the high-risk posts only.
    if f.physical_labour_level > conf("INTERNSHIP_MAX_PHYSICAL_LEVEL") and version_reached(f, "2021"):
        out += _v("INT-PHYS", _("The post's physical-labour intensity is level III or above."))
    if f.high_risk and not f.special_arrangement_ref:
        out += _v(
            "INT-PHYS",
            _("The post is high-risk (height, underground, toxic, explosive) without a filed arrangement."),
        )
    return out[:1]


def rule_minor(f: PlacementFacts) -> list[Violation]:
    """INT-MINOR [V]: a student under 18 on the start date may not do minor-forbidden work.

    Source: 教职成〔2021〕4号 Art. 16(3), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.minor_forbidden and (f.birth_date is None or f.is_minor):
        return _v("INT-MINOR", _("The post is forbidden for minors and the student is under 18."))
    return []


def rule_female(f: PlacementFacts) -> list[Violation]:
    """INT-FEMALE [V]: female students may not do work forbidden for women.

    Source: 教职成〔2021〕4号 Art. 16(4), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.female_forbidden and f.gender == "female":
        return _v("INT-FEMALE", _("The post is forbidden for women."))
    return []
