"""Loads the programme types in ``data/*.yaml`` and the 2021 plan's calls (``data/calls_2021.yaml``:
totals from the plan's text; each city's quota — shared out by its number of eligible schools —
and the dates are demo values, marked 示例)."""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from . import definitions, services
from .models import Call

DATA = Path(__file__).parent / "data"
TYPE_FILES = ["kp6_school", "kp6_major", "kp4_team", "r9_course", "r17_teacher"]


def load_types(*, actor) -> list:
    loaded = []
    for name in TYPE_FILES:
        text = (DATA / f"{name}.yaml").read_text(encoding="utf-8")
        data = definitions.parse_text(text)
        current = definitions.current(data["code"])
        if current is not None and current.version >= data["version"]:
            loaded.append(current)
            continue
        loaded.append(definitions.type_load(actor=actor, text=text))
    return loaded


def city_quotas(total: int, kinds: list[str]) -> dict:
    """``total`` shared among the cities by their number of schools of ``kinds`` (every kind when
    empty), each city at least one — a demo split (示例)."""
    cities = list(Region.objects.filter(level=RegionLevel.CITY).order_by("code"))
    schools = Institution.objects.all()
    if kinds:
        schools = schools.filter(kind__in=kinds)
    counts = {c.pk: schools.filter(region__path__startswith=c.path).count() for c in cities}
    whole = sum(counts.values()) or 1
    return {c: max(1, round(total * counts[c.pk] / whole)) for c in cities}


@transaction.atomic
def load_calls(*, actor) -> list[Call]:
    spec = yaml.safe_load((DATA / "calls_2021.yaml").read_text(encoding="utf-8"))
    today = timezone.localdate()
    out = []
    for entry in spec["calls"]:
        existing = Call.objects.filter(code=entry["code"]).first()
        if existing is not None:
            out.append(existing)
            continue
        ptype = definitions.current(entry["type"])
        kinds = next((e.get("kinds", []) for e in entry["eligibility"] if e["rule"] == "PROG-ELIG-KIND"), [])
        out.append(
            services.call_create(
                actor=actor,
                programme_type=ptype,
                code=entry["code"],
                name=entry["name"],
                year=entry["year"],
                basis=entry["basis"],
                total_quota=entry["total_quota"],
                city_quotas=city_quotas(entry["total_quota"], kinds),
                eligibility=entry["eligibility"],
                opens_on=today - datetime.timedelta(days=7),
                apply_deadline=today + datetime.timedelta(days=21),
                recommend_deadline=today + datetime.timedelta(days=35),
                is_demo=True,
            )
        )
    return out
