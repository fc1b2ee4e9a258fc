"""Unknown facts are unknown: a host or post without a recorded headcount gets "record it", not "exceeds"."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import translation

from zhijiao.internships import rules, sweep
from zhijiao.internships.models import Placement, Post
from zhijiao.internships.rules import PlacementFacts


def ratio(f):
    return {v.rule_id: v for v in rules.rule_ratio_unit(f) + rules.rule_ratio_post(f)}


@translation.override("en")
def test_missing_headcount_is_a_warning_to_record_it_not_a_breach():
    f = PlacementFacts(enterprise_staff=0, enterprise_interns=3, post_staff=0, post_interns=3)
    found = ratio(f)
    assert {v.severity for v in found.values()} == {"warn"}
    assert "missing" in str(found["INT-RATIO-UNIT"].message) and "exceed" not in str(
        found["INT-RATIO-UNIT"].message
    )
    assert "never reported" in str(found["INT-RATIO-POST"].message)
    reported = PlacementFacts(post_staff=0, post_interns=1, post_staff_declared_on=dt.date(2026, 1, 5))
    assert "2026-01-05" in str(ratio(reported)["INT-RATIO-POST"].message)
    # No interns, nothing to cap; a recorded headcount is judged as before, with its date.
    assert ratio(PlacementFacts(enterprise_staff=0, enterprise_interns=0, post_staff=0, post_interns=0)) == {}
    over = ratio(
        PlacementFacts(
            enterprise_staff=100,
            enterprise_interns=5,
            post_staff=4,
            post_interns=1,
            post_staff_declared_on=dt.date(2026, 1, 5),
        )
    )
    assert over["INT-RATIO-POST"].severity == "block" and "2026-01-05" in str(over["INT-RATIO-POST"].message)
    assert "INT-RATIO-UNIT" not in over


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the single-pass SQL sweep is PostgreSQL's")
@pytest.mark.django_db
def test_the_sweep_warns_about_missing_headcounts_on_both_backends(iw, world):
    p = iw.placement()
    Placement.objects.filter(pk=p.pk).update(status="active")
    Post.objects.filter(pk=iw.post.pk).update(on_duty_staff=0)
    world.ent_a.headcount = 0
    world.ent_a.save()
    sql = sweep.compute_violations(today=iw.today, backend="postgresql")
    assert sql == sweep.compute_violations(today=iw.today, backend="python")
    mine = {(r, s) for pid, r, s in sql if pid == p.pk}
    assert ("INT-RATIO-UNIT", "warn") in mine and ("INT-RATIO-POST", "warn") in mine
    assert not {r for r, s in mine if r.startswith("INT-RATIO") and s == "block"}
