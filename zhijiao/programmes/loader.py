"""Loads the programme types in ``data/*.yaml`` and the 2021 plan's calls (``data/calls_2021.yaml``:
totals from the plan's text; each city's quota — shared out by its number of eligible schools —
and the dates are demo values, marked 示例)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


def call_from_entry(*, actor, entry: dict, is_demo: bool = True) -> Call:
    """One call of a calls file: its type's current version, the entry's settings (the cap on an
    expert's reviews defaults to the type's ``max_reviews_per_expert``; ``budget_total`` in 万元),
    each city's quota shared out by its number of eligible schools, and demo dates."""
    today = timezone.localdate()
    ptype = definitions.current(entry["type"])
    if ptype is None:
        raise ValidationError(_("Unknown programme type “%(code)s”.") % {"code": entry["type"]})
    eligibility = entry.get("eligibility") or []
    kinds = next((e.get("kinds", []) for e in eligibility if e.get("rule") == "PROG-ELIG-KIND"), [])
    budget = entry.get("budget_total")
    return services.call_create(
        actor=actor,
        programme_type=ptype,
        code=entry["code"],
        name=entry["name"],
        year=entry["year"],
        basis=entry.get("basis", ""),
        total_quota=entry["total_quota"],
        city_quotas=city_quotas(entry["total_quota"], kinds),
        eligibility=eligibility,
        opens_on=today - datetime.timedelta(days=7),
        apply_deadline=today + datetime.timedelta(days=21),
        recommend_deadline=today + datetime.timedelta(days=35),
        reviewers_per_application=entry.get("reviewers_per_application", 3),
        blind_review=entry.get("blind_review", True),
        avoid_same_city=entry.get("avoid_same_city", False),
        max_reviews_per_expert=entry.get(
            "max_reviews_per_expert", ptype.definition.get("max_reviews_per_expert")
        ),
        budget_total=None if budget is None else Decimal(str(budget)),
        is_demo=is_demo,
    )


def call_entry(call: Call) -> dict:
    """A call as an entry of a calls file (what ``call_from_entry`` reads back)."""
    entry = {
        "type": call.programme_type.code,
        "code": call.code,
        "name": call.name,
        "year": call.year,
        "total_quota": call.total_quota,
        "basis": call.basis,
        "eligibility": list(call.eligibility),
        "reviewers_per_application": call.reviewers_per_application,
        "blind_review": call.blind_review,
        "avoid_same_city": call.avoid_same_city,
        "max_reviews_per_expert": call.max_reviews_per_expert,
    }
    if call.budget_total is not None:
        entry["budget_total"] = format(call.budget_total, "f")
    return entry


@transaction.atomic
def load_calls(*, actor) -> list[Call]:
    spec = yaml.safe_load((DATA / "calls_2021.yaml").read_text(encoding="utf-8"))
    out = []
    for entry in spec["calls"]:
        existing = Call.objects.filter(code=entry["code"]).first()
        out.append(existing if existing is not None else call_from_entry(actor=actor, entry=entry))
    return out
