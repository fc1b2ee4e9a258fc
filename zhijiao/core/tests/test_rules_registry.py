"""The rule registry: ids, parameters, effective dates, citations; apps contribute via AppConfig.rules."""

import dataclasses
import datetime
import re

import pytest
from django.apps import apps

from zhijiao.core import rules

D = datetime.date


def test_apps_contribute_their_rules():
    modules = {getattr(cfg, "rules", None) for cfg in apps.get_app_configs()} - {None}
    assert {"zhijiao.internships.rules", "zhijiao.students.rules"} <= modules
    ids = {r.id for r in rules.all_rules()}
    assert {"INT-PAY", "INT-HOL", "ANOM-FAR", "XJ-XIUXUE", "XJ-REG", "XJ-NO"} <= ids
    assert {r.app for r in rules.all_rules(app="students")} == {"students"}


def test_every_citation_is_a_document_and_article_never_a_web_address():
    for rule in rules.all_rules():
        if rule.kind == "regulation":
            assert rule.citation, rule.id
        assert "http" not in rule.citation and "www" not in rule.citation, rule.id
        assert not re.search(r"\[[RSV]\]|Art\.", rule.citation), rule.id
    assert rules.citation("XJ-XIUXUE").startswith("《中等职业学校学生学籍管理办法》（教职成〔2010〕7号）")
    assert rules.citation("INT-AGE").endswith("第十六条第（二）项")
    assert rules.citation("NO-SUCH-RULE") == ""


def test_parameters_have_defaults_and_follow_settings(settings):
    assert rules.param("STUDENT_SUSPENSION_SINGLE_MONTHS") == 12
    assert rules.get("XJ-XIUXUE").param("STUDENT_SUSPENSION_TOTAL_MONTHS") == 24
    assert rules.param("INTERNSHIP_MIN_AGE") == 16
    settings.STUDENT_SUSPENSION_SINGLE_MONTHS = 6
    assert rules.param("STUDENT_SUSPENSION_SINGLE_MONTHS") == 6
    assert "INTERNSHIP_PAY_RATIO" in rules.parameters()
    with pytest.raises(KeyError):
        rules.param("NOT_A_PARAMETER")
    with pytest.raises(KeyError):
        rules.get("XJ-XIUXUE").param("INTERNSHIP_MIN_AGE")


def test_effective_dates():
    rule = rules.Rule(id="T-1", title="t", valid_from=D(2022, 1, 1), valid_to=D(2022, 12, 31))
    assert not rule.in_force(D(2021, 12, 31))
    assert rule.in_force(D(2022, 1, 1)) and rule.in_force(D(2022, 12, 31))
    assert not rule.in_force(D(2023, 1, 1))
    assert rule.in_force(None)
    assert rules.Rule(id="T-2", title="t").in_force(D(1990, 1, 1))


def test_registering_refuses_duplicates_web_addresses_and_two_defaults(monkeypatch):
    monkeypatch.setattr(rules, "_rules", dict(rules._rules))
    monkeypatch.setattr(rules, "_defaults", dict(rules._defaults))
    rules.register(rules.Rule(id="T-X", title="x", params={"T_LIMIT": 3}))
    rules.register(rules.Rule(id="T-X", title="x", params={"T_LIMIT": 3}))  # the same again: fine
    with pytest.raises(rules.RuleError):
        rules.register(rules.Rule(id="T-X", title="other"))
    with pytest.raises(rules.RuleError):
        rules.register(rules.Rule(id="T-Y", title="y", params={"T_LIMIT": 4}))
    with pytest.raises(rules.RuleError):
        rules.register(rules.Rule(id="T-Z", title="z", citation="see https://example.org"))


def test_rules_out_of_force_are_not_evaluated(monkeypatch):
    from zhijiao.internships import rules as internship_rules
    from zhijiao.internships.rules.base import PlacementFacts

    facts = PlacementFacts(birth_date=D(2012, 1, 1), today=D(2026, 3, 1))
    assert "INT-AGE" in {v.rule_id for v in internship_rules.evaluate(facts)}
    expired = dataclasses.replace(rules.get("INT-AGE"), valid_to=D(2025, 12, 31))
    monkeypatch.setitem(rules._rules, "INT-AGE", expired)
    assert "INT-AGE" not in {v.rule_id for v in internship_rules.evaluate(facts)}
