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
