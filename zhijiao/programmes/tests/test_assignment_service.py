"""The assignment service on the database: the bulk 回避 reading agrees with ``conflicts`` pair by
pair on random pools, no assigned review breaks one, and the per-expert cap is honoured."""

import datetime
import random

import pytest
from django.utils import timezone

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import InstitutionFactory
from zhijiao.programmes import services
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.models import Application, Call, Expert, FormerEmployment, Review

pytestmark = pytest.mark.django_db


def _pool(world, rng, schools, size):
    today = timezone.localdate()
    experts = []
    for i in range(size):
        expert = Expert.objects.create(
            name=f"专家{i}",
            title="professor",
            employer=rng.choice([*schools, None]),
            employer_name="x",
            city=rng.choice([world.jinan, world.qingdao]),
            specialties=rng.sample(["46", "51", "53"], rng.randint(1, 2)),
        )
        for _ in range(rng.randint(0, 2)):
            # Around the three-year boundary, both sides of it.
            end = today - datetime.timedelta(days=rng.choice([10, 364 * 3, 365 * 3 + 2, 365 * 4]))
            FormerEmployment.objects.create(
                expert=expert,
                institution=rng.choice(schools),
                start=end - datetime.timedelta(days=900),
                end=end,
            )
        experts.append(expert)
    return experts


def _screened(call, schools, rng, n):
    return [
        Application.objects.create(
            call=call,
            institution=rng.choice(schools),
            title=f"申报{i}",
            field=rng.choice(["46", "51", "53"]),
            status=S.SCREENED,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("same_city", [False, True])
def test_bulk_avoidance_equals_the_pairwise_rule(world, call, seed, same_city):
    rng = random.Random(seed)
    schools = [world.school_a, world.school_b, InstitutionFactory(name="青岛二职", region=world.shinan)]
    experts = _pool(world, rng, schools, 25)
    apps = _screened(call, schools, rng, 8)
    Call.objects.filter(pk=call.pk).update(avoid_same_city=same_city)
    call.refresh_from_db()
    apps = list(Application.objects.filter(pk__in=[a.pk for a in apps]).select_related("institution__region"))
    experts = list(Expert.objects.prefetch_related("former_employers"))
    forbidden = services.forbidden_pairs(call, apps, experts)
    for a in apps:
        for e in experts:
            assert (e.pk in forbidden[a.pk]) == bool(services.conflicts(call, a, e)), (a, e)


def test_assignment_never_breaks_a_conflict_and_honours_the_cap(world, call):
    rng = random.Random(7)
    schools = [world.school_a, world.school_b, InstitutionFactory(name="青岛二职", region=world.shinan)]
    _pool(world, rng, schools, 30)
    apps = _screened(call, schools, rng, 20)
    Call.objects.filter(pk=call.pk).update(avoid_same_city=True, max_reviews_per_expert=3)
    call.refresh_from_db()
    report = services.reviewers_assign(actor=world["province_admin"], call=call)
    assert report["solver"]["short"] == 0 and report["pairs"] == 40
    assert report["solver"]["max_load"] <= 3
    for review in Review.objects.select_related("application__institution__region", "expert"):
        expert = Expert.objects.prefetch_related("former_employers").get(pk=review.expert_id)
        assert services.conflicts(call, review.application, expert) == []
    assert set(Application.objects.filter(pk__in=[a.pk for a in apps]).values_list("status", flat=True)) == {
        S.UNDER_REVIEW
    }
    # One audit entry per review and per application moved to review.
    assert AuditEntry.objects.filter(event="review.assigned").count() == 40
    assert AuditEntry.objects.filter(event="application.review_started").count() == 20
    assert Call.objects.get(pk=call.pk).stage == "reviewing"
