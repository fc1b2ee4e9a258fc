"""The check-in hot path: one statement on PostgreSQL (prepared once per connection), the same answers
as the step-by-step path for every refusal, and the same stored row."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from zhijiao.internships.checkins import checkin_ingest, haversine_m
from zhijiao.internships.models import CheckIn, Placement

pytestmark = pytest.mark.django_db
on_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's")


def ingest(user, key, *, when=None, lat="36.655300", lng="117.125100", kind="START", placement_id=None):
    return checkin_ingest(
        actor=user,
        kind=kind,
        occurred_at=when or timezone.now() - dt.timedelta(minutes=1),
        latitude=lat,
        longitude=lng,
        client_key=key,
        accuracy_m=12,
        address="车间",
        placement_id=placement_id,
    )


@pytest.mark.parametrize("prepared", [True, False])
def test_new_checkin_stored_with_its_distance(iw, settings, prepared):
    settings.INTERNSHIP_CHECKIN_PREPARED = prepared
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    with CaptureQueriesContext(connection) as queries:
        r = ingest(user, "fast-key-0001")
    stored = CheckIn.objects.get(client_key="fast-key-0001")
    expected = round(haversine_m(36.6553, 117.1251, float(iw.post.latitude), float(iw.post.longitude)))
    assert r.created and r.id == stored.pk and r.placement_id == p.pk == stored.placement_id
    assert abs(r.distance_m - expected) <= 1 and stored.distance_m == r.distance_m
    assert (stored.accuracy_m, stored.address, stored.kind) == (12, "车间", "START")
    assert str(stored.latitude) == "36.655300" and stored.received_at is not None
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # look-up, date check, distance and insert in one statement


@on_pg
def test_hot_path_statements_are_prepared_once(iw, settings):
    settings.INTERNSHIP_CHECKIN_PREPARED = True
    p = iw.placement(activate=True)
    for i in range(3):
        ingest(p.enrolment.student.user, f"prep-key-{i:04d}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO internships_checkin%%'"
        )
        assert cursor.fetchone()[0] == 1


def test_repeat_returns_the_stored_row_and_writes_nothing(iw):
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    first = ingest(user, "again-key-001")
    again = ingest(user, "again-key-001", lat="36.700000")
    assert first.created and not again.created and again.id == first.id
    assert again.distance_m == first.distance_m
    assert CheckIn.objects.filter(client_key="again-key-001").count() == 1


def test_refusals_say_why_and_write_nothing(iw, world):
    p = iw.placement(activate=True)
    other = iw.placement(activate=True)
    user = p.enrolment.student.user
    with pytest.raises(ValidationError) as exc:  # another student's placement
        ingest(user, "ref-key-0001", placement_id=other.pk)
    assert exc.value.messages == [gettext("You have no active placement to check in to.")]
    with pytest.raises(ValidationError) as exc:  # a key someone else used
        ingest(other.enrolment.student.user, "ref-key-0002")
        ingest(user, "ref-key-0002")
    assert "client_key" in exc.value.message_dict
    Placement.objects.filter(pk=p.pk).update(start_date=iw.today + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:  # before the placement starts
        ingest(user, "ref-key-0003")
    assert "occurred_at" in exc.value.message_dict
    with pytest.raises(ValidationError):  # no placement at all
        ingest(iw.school_admin, "ref-key-0004")
    assert set(CheckIn.objects.values_list("client_key", flat=True)) == {"ref-key-0002"}


def test_named_placement_is_used(iw):
    p = iw.placement(activate=True)
    r = ingest(p.enrolment.student.user, "named-key-01", placement_id=p.pk)
    assert r.created and r.placement_id == p.pk


def test_ended_placement_still_idempotent(iw):
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    first = ingest(user, "ended-key-01")
    Placement.objects.filter(pk=p.pk).update(status="ended")
    again = ingest(user, "ended-key-01")
    assert not again.created and again.id == first.id
    with pytest.raises(ValidationError):
        ingest(user, "ended-key-02")


def test_checkin_route_resolves_before_the_other_api_routes():
    """The busiest endpoint is the first API pattern Django tries (cheaper URL resolution)."""
    from zhijiao.core.api.urls import router

    prefixes = [prefix for prefix, _viewset, _basename in router.registry]
    assert prefixes[0] == "checkins"
    assert len(prefixes) > 20
