"""The demo's programmes: the types in ``data/`` and the 2021 plan's calls (``loader``; quotas by
city and dates are demo values, marked 示例), and a few demo experts (示例)."""

from __future__ import annotations

from django.db import transaction

from zhijiao.core.actors import system_actor
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from . import loader, services
from .choices import ExpertTitle, MajorField
from .models import Expert


@transaction.atomic
def load_demo_programmes(*, actor=None):
    actor = actor or system_actor("demo")
    loader.load_types(actor=actor)
    calls = loader.load_calls(actor=actor)
    if not Expert.objects.exists():
        fields = list(MajorField.values)
        cities = list(Region.objects.filter(level=RegionLevel.CITY).order_by("code"))
        colleges = list(Institution.objects.filter(kind__in=["higher", "bachelor"]).order_by("pk")[:30])
        for i in range(min(30, len(cities) * 3)):
            employer = colleges[i % len(colleges)] if colleges else None
            services.expert_create(
                actor=actor,
                name=f"示例专家{i + 1:02d}",
                title=ExpertTitle.values[i % len(ExpertTitle.values)],
                employer=employer,
                employer_name=employer.name if employer else "示例企业",
                city=cities[i % len(cities)],
                specialties=[fields[i % len(fields)], fields[(i * 7 + 3) % len(fields)]],
                is_demo=True,
            )
    return calls
