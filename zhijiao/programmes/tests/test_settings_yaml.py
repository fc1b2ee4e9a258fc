"""The cap on an expert's reviews in the programme type's YAML (a default for its calls) and in a
calls file entry, checked on load and carried through export and re-import."""

import pytest
import yaml
from django.core.exceptions import ValidationError

from zhijiao.programmes import definitions, loader
from zhijiao.programmes.models import Call
from zhijiao.programmes.tests.conftest import TYPE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", [0, -2, "3", True, 2.5])
def test_a_type_refuses_a_cap_that_is_not_a_whole_number_from_one(world, bad):
    data = yaml.safe_load(TYPE)
    data["max_reviews_per_expert"] = bad
    problems = definitions.check(data)
    assert any(p.startswith("max_reviews_per_expert:") for p in problems), problems


def test_the_types_cap_round_trips_and_is_the_default_of_its_calls(world):
    admin = world["province_admin"]
    ptype = definitions.type_load(
        actor=admin, text=TYPE.replace("\nversion: 1\n", "\nversion: 1\nmax_reviews_per_expert: 8\n", 1)
    )
    assert ptype.definition["max_reviews_per_expert"] == 8
    again = definitions.type_new_version(actor=admin, text=definitions.type_export(ptype))
    assert again.version == 2 and again.definition["max_reviews_per_expert"] == 8
    entry = {"type": "test_type", "code": "yaml-call", "name": "YAML通知", "year": 2021, "total_quota": 4}
    call = loader.call_from_entry(actor=admin, entry=entry)
    assert call.max_reviews_per_expert == 8
    # The calls file overrides the type; blank (null) means no cap.
    call = loader.call_from_entry(
        actor=admin, entry={**entry, "code": "yaml-call-2", "max_reviews_per_expert": 3}
    )
    assert call.max_reviews_per_expert == 3
    call = loader.call_from_entry(
        actor=admin,
        entry={**entry, "code": "yaml-call-3", "max_reviews_per_expert": None, "budget_total": "850.5"},
    )
    assert call.max_reviews_per_expert is None and str(call.budget_total) == "850.50"


def test_a_call_entry_round_trips(world):
    admin = world["province_admin"]
    definitions.type_load(actor=admin, text=TYPE)
    entry = {
        "type": "test_type",
        "code": "rt-call",
        "name": "往返通知",
        "year": 2021,
        "total_quota": 6,
        "reviewers_per_application": 2,
        "blind_review": False,
        "avoid_same_city": True,
        "max_reviews_per_expert": 5,
        "budget_total": "1200",
    }
    first = loader.call_from_entry(actor=admin, entry=entry)
    exported = yaml.safe_load(yaml.safe_dump(loader.call_entry(first), allow_unicode=True))
    second = loader.call_from_entry(actor=admin, entry={**exported, "code": "rt-call-2"})
    fields = (
        "name",
        "year",
        "total_quota",
        "reviewers_per_application",
        "blind_review",
        "avoid_same_city",
        "max_reviews_per_expert",
        "budget_total",
    )
    assert [getattr(second, f) for f in fields] == [getattr(first, f) for f in fields]
    assert exported["max_reviews_per_expert"] == 5


@pytest.mark.parametrize("bad", [0, -1, "many"])
def test_a_call_entry_with_a_bad_cap_is_refused_and_nothing_is_created(world, bad):
    admin = world["province_admin"]
    definitions.type_load(actor=admin, text=TYPE)
    entry = {"type": "test_type", "code": "bad-cap", "name": "坏通知", "year": 2021, "total_quota": 4}
    with pytest.raises(ValidationError, match="at least one application"):
        loader.call_from_entry(actor=admin, entry={**entry, "max_reviews_per_expert": bad})
    assert not Call.objects.filter(code="bad-cap").exists()
