"""Rules by effective date: 教职成〔2016〕3号 until 2021-12-30, its revision 教职成〔2021〕4号 from 2021-12-31.

A placement is judged by the versions in force on its days and cites them; both sides of the boundary.
"""

import datetime as dt

import pytest

from zhijiao.core import rules as registry
from zhijiao.internships import rules
from zhijiao.internships.rules import PlacementFacts

LAST_2016 = dt.date(2021, 12, 30)
FIRST_2021 = dt.date(2021, 12, 31)


def facts(start, end, **kw):
    return PlacementFacts(start_date=start, end_date=end, today=start, **kw)


def test_each_version_is_registered_with_its_window():
    old, new = registry.get("INT-PAY@2016"), registry.get("INT-PAY")
    assert old.valid_to == LAST_2016 and new.valid_from == FIRST_2021 and new.valid_to is None
    assert "教职成〔2016〕3号" in old.citation and "教职成〔2021〕4号" in new.citation
    assert old.in_force(LAST_2016) and not old.in_force(FIRST_2021)
    assert new.in_force(FIRST_2021) and not new.in_force(LAST_2016)
    # Rules resting on laws or the platform have no window.
    assert registry.get("INT-HOURS").valid_from is None and registry.find("INT-HOURS@2016") is None
    # One title per rule, not per version.
    assert "INT-PAY@2016" not in rules.RULE_TITLES and "INT-PAY" in rules.RULE_TITLES


@pytest.mark.parametrize(
    ("start", "end", "cited"),
    [
        (dt.date(2021, 6, 1), LAST_2016, ["2016"]),
        (FIRST_2021, dt.date(2022, 6, 30), ["2021"]),
        (dt.date(2021, 10, 1), FIRST_2021, ["2016", "2021"]),  # spans the boundary: both versions
    ],
)
def test_a_violation_cites_the_versions_in_force_on_the_placements_days(start, end, cited):
    f = facts(start, end, birth_date=start.replace(year=start.year - 15))  # 15 at the start: INT-AGE
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == "INT-AGE"]
    assert ("〔2016〕3号" in v.source) == ("2016" in cited)
    assert ("〔2021〕4号" in v.source) == ("2021" in cited)
    assert "http" not in v.source and "Art." not in v.source


@pytest.mark.parametrize(("end", "fails"), [(LAST_2016, False), (FIRST_2021, True)])
def test_the_level_three_ban_applies_from_the_2021_revision(end, fails):
    f = facts(dt.date(2021, 9, 1), end, physical_labour_level=3)
    assert any(v.rule_id == "INT-PHYS" for v in rules.evaluate(f)) is fails


def test_high_risk_posts_were_already_banned_in_2016():
    f = facts(dt.date(2021, 6, 1), LAST_2016, high_risk=True)
    (v,) = [v for v in rules.evaluate(f) if v.rule_id == "INT-PHYS"]
    assert v.source == "《职业学校学生实习管理规定》（教职成〔2016〕3号）第十七条"


def test_the_citation_without_days_is_the_version_in_force_today():
    assert "〔2021〕4号" in rules.citation("INT-PAY") and "〔2016〕" not in rules.citation("INT-PAY")
    assert rules.citation("INT-PAY", dt.date(2020, 1, 1)).endswith("（教职成〔2016〕3号）第十八条")


@pytest.mark.django_db
def test_the_api_never_shows_a_research_trail(iw):
    from zhijiao.core.testing_api import api_client

    p = iw.placement(iw.student(birth="20130101"), complete=False)  # under 16: INT-AGE
    p.violations = [{"rule_id": "INT-AGE", "message": "x", "severity": "block", "source": "Art. 16; https://x"}]
    p.save(update_fields=["violations"])  # an old stored check, from before citations were official
    data = api_client(iw.school_admin).get(f"/api/v1/placements/{p.pk}/").json()
    (v,) = data["violations"]
    assert "http" not in v["source"] and "第十六条" in v["source"]
