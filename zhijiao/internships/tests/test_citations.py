"""Users see a rule's official citation (文号 and article), never a web address or an English note."""

import re

import pytest
from django.urls import reverse

from zhijiao.internships import rules
from zhijiao.internships.services import inspections


def test_every_regulation_rule_has_an_official_citation():
    for rule_id in rules.RULE_TITLES:
        if not rule_id.startswith("INT-"):
            continue
        text = rules.citation(rule_id)
        assert text, rule_id
        assert "http" not in text and not re.search(r"[A-Za-z]{2,}", text), (rule_id, text)


@pytest.mark.django_db
def test_pages_show_citations_not_research_sources(iw, login):
    p = iw.placement(iw.student(birth="20130101"), complete=False)  # under 16: INT-AGE fails
    iw.placement(activate=True)  # an active placement for the inspection's sample
    page = login(iw.school_admin).get(reverse("internships:placement_detail", args=[p.pk])).content.decode()
    assert "第十六条第（二）项" in page
    assert "estsglobal" not in page and "Art." not in page
    inspection = inspections.inspection_launch(
        actor=iw.province,
        region=iw.w.province,
        title="专项检查",
        answer_due=iw.today,
        rule_ids=["INT-PAY", "INT-AGE"],
    )
    detail = login(iw.province).get(inspection.get_absolute_url()).content.decode()
    assert "第十八条" in detail and "estsglobal" not in detail and "Art." not in detail


def test_charts_label_rules_by_title_and_say_no_data_in_chinese(world, login, settings, monkeypatch):
    from django.utils import translation

    from zhijiao.internships import inspection_report, selectors

    with translation.override("zh-hans"):
        assert "暂无数据" in inspection_report.svg_bars([], series=[("x", "#000")], title="t")
    real = selectors.dashboard_cached

    def with_alerts(*, user):
        data = real(user=user)
        data["alerts_by_rule"] = [{"rule_id": "ANOM-CLOCKWORK", "n": 2}, {"rule_id": "INT-PAY", "n": 1}]
        return data

    monkeypatch.setattr(selectors, "dashboard_cached", with_alerts)
    page = login(world["province_admin"]).get(reverse("internships:dashboard")).content.decode()
    data = page.split('id="chart-rules" type="application/json">', 1)[1].split("</script>")[0]
    assert "ANOM-CLOCKWORK" not in data and "INT-PAY" not in data
    assert "\\u7b7e\\u5230" in data or "签到" in data  # 签到时间过于规律: the rule's title


def test_the_audit_log_shows_a_checklist_by_titles():
    from django.utils import translation

    from zhijiao.core import display
    from zhijiao.internships.models import Inspection

    field = Inspection._meta.get_field("checklist")
    stored = [{"rule_id": "INT-PAY", "title": "Pay below the minimum", "source": "… Art. 18; https://x"}]
    with translation.override("zh-hans"):
        shown = display.field_value(field, stored)
    assert shown.startswith("INT-PAY ") and "http" not in shown and "Pay below" not in shown


# An article in a citation: 第X条, optionally 第X款 / 第（X）项 after it.
ARTICLE = re.compile(r"第[一二三四五六七八九十百零]+条")


def _parts(text: str) -> list[str]:
    """The documents a citation names (separated by ；), each of which must give its article."""
    return [part for part in re.split("；", text) if part.strip()]


def test_every_registered_rule_cites_a_document_and_an_article():
    """Every rule of the registry that users see (each version of it) names an official document with its
    article. Only the 2016 versions listed in UNPLACED_2016 (no text found placing their sentence in an
    article) are allowed to cite by topic, and the list cannot grow silently."""
    from zhijiao.core import rules as registry
    from zhijiao.internships.rules.base import UNPLACED_2016, base_rule_id

    missing = []
    for rule in registry.all_rules(app="internships"):
        if not rule.id.startswith("INT-"):
            continue  # ANOM-*: the platform's check-in anomaly heuristics, shown without a legal basis
        text = rule.citation
        assert text, rule.id
        if rule.id.endswith("@2016") and base_rule_id(rule.id) in UNPLACED_2016:
            continue
        for part in _parts(text):
            if not ARTICLE.search(part) or not ("《" in part or "〔" in part):
                missing.append((rule.id, part))
    assert not missing, missing
    assert UNPLACED_2016 <= {
        "INT-AGREE",
        "INT-FEES",
        "INT-ID-DOCS",
        "INT-GUARANTEE",
        "INT-PREMIUM",
        "INT-INS",
    }


def test_the_article_check_catches_a_citation_by_topic():
    assert not ARTICLE.search("《职业学校学生实习管理规定》（教职成〔2021〕4号）（岗前安全培训与考核）")
    assert ARTICLE.search("《职业学校学生实习管理规定》（教职成〔2021〕4号）第三十一条")


def test_the_rules_the_issue_names_cite_their_verified_articles():
    expected = {
        "INT-TRAINING": "第三十一条",
        "INT-OUTSIDE": "第二十四条第二款、第二十五条",
        "INT-RATIO-UNIT": "第十一条第一款",
        "INT-RATIO-POST": "第十一条第一款",
        "INT-ASSESS": "第二十七条",
        "INT-MENTOR": "第八条第二款",
        "INT-SELF": "第九条、第十条",
        "INT-FEES": "第二十条",
        "INT-ID-DOCS": "第二十条",
        "INT-GUARANTEE": "第二十条",
        "INT-PREMIUM": "第三十五条第二款",
        "INT-HOST-VETTED": "第七条",
    }
    for rule_id, article in expected.items():
        text = rules.citation(rule_id)
        assert "教职成〔2021〕4号" in text and article in text, (rule_id, text)
