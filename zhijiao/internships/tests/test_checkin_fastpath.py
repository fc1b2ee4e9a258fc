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
    assert stored.institution_id == p.institution_id  # the school's list reads it (internships_ci_inst_time)
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # look-up, date check, distance and insert in one statement


def test_the_step_by_step_path_stores_the_placements_school_too(iw, monkeypatch):
    """The path taken after the one statement stored nothing (and on SQLite) writes the school as well."""
    from zhijiao.internships import checkins

    monkeypatch.setattr(checkins, "_insert_in_one_statement", lambda *a, **k: None)
    p = iw.placement(activate=True)
    r = ingest(p.enrolment.student.user, "slow-key-0001")
    stored = CheckIn.objects.get(client_key="slow-key-0001")
    assert r.created and r.id == stored.pk
    assert stored.institution_id == p.institution_id is not None


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


# --- POST /api/v1/checkins/ with a token: the plain-view fast path (api/checkin_fast.py) -------------
def _client(user):
    from zhijiao.core.testing_api import api_client

    return api_client(user)  # one token per user in a test


def _post(user_or_client, body, **extra):
    client = user_or_client if hasattr(user_or_client, "post") else _client(user_or_client)
    return client.post("/api/v1/checkins/", body, format="json", **extra)


def _body(key, **changes):
    return {
        "kind": "START",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "latitude": "36.655300",
        "longitude": "117.125100",
        "accuracy_m": 9,
        "client_key": key,
        **changes,
    }


@pytest.fixture
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def drf_calls(monkeypatch):
    """Counts the requests the DRF action answers (the fast path answers the rest)."""
    from zhijiao.internships.api.views import CheckInViewSet

    calls = []
    original = CheckInViewSet.create

    def create(self, request, *args, **kwargs):
        calls.append(request.data.get("client_key") if hasattr(request.data, "get") else None)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(CheckInViewSet, "create", create)
    return calls


@on_pg
def test_token_checkin_is_one_statement_and_answers_like_the_api(iw, fresh_cache, drf_calls):
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    client = _client(user)
    _post(client, _body("warm-key-0001"))  # prepares the statement on this connection
    with CaptureQueriesContext(connection) as queries:
        response = _post(client, _body("http-key-0001", address="车间"))
    assert response.status_code == 201 and response["Content-Type"] == "application/json"
    body = response.json()
    stored = CheckIn.objects.get(client_key="http-key-0001")
    assert body["id"] == stored.pk and body["placement"] == p.pk and body["created"] is True
    assert body["kind"] == "START" and body["distance_m"] == stored.distance_m
    assert stored.address == "车间" and stored.accuracy_m == 9
    assert stored.institution_id == p.institution_id
    # token, account, placement, dates, distance and insert: one statement; DRF never ran
    assert len(queries) == 1, [str(q["sql"])[:120] for q in queries]
    assert drf_calls == []
    # the repeat falls through to the DRF action, which returns the stored row (200, nothing written)
    again = _post(user, _body("http-key-0001"))
    assert again.status_code == 200 and again.json()["id"] == stored.pk and again.json()["created"] is False
    assert drf_calls == ["http-key-0001"]
    assert set(again.json()) == set(body)
    assert CheckIn.objects.filter(client_key="http-key-0001").count() == 1


@on_pg
def test_token_checkin_refusals_fall_through_to_the_api_answers(iw, world, fresh_cache, drf_calls):
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    bad_token = APIClient_with("0" * 40).post("/api/v1/checkins/", _body("bad-token-01"), format="json")
    assert bad_token.status_code == 401 and bad_token.json()["error"]["code"] == "authentication_failed"
    outside = _post(user, _body("outside-001", latitude="123"))
    assert outside.status_code == 400 and "latitude" in outside.json()["error"]["details"]
    missing = _post(user, {"kind": "START"})
    assert missing.status_code == 400 and "client_key" in missing.json()["error"]["details"]
    not_json = _post(user, "[1, 2]")
    assert not_json.status_code == 400
    no_placement = _post(world["school_b"], _body("staff-key-01"))
    assert no_placement.status_code == 400 and no_placement.json()["error"]["code"] == "invalid"
    too_early = _post(
        user, _body("early-key-01", occurred_at=(timezone.now() - dt.timedelta(hours=80)).isoformat())
    )
    assert too_early.status_code == 400
    other_placement = _post(user, _body("named-key-01", placement=p.pk + 999))
    assert other_placement.status_code == 400
    assert not CheckIn.objects.exists()
    assert len(drf_calls) == 6  # every refusal but the bad token (DRF refuses that before the action)
    user.is_active = False
    user.save(update_fields=["is_active"])
    inactive = _post(user, _body("inactive-key1"))
    assert inactive.status_code == 401 and not CheckIn.objects.exists()


def APIClient_with(key):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@on_pg
def test_token_checkins_are_throttled_per_token_without_writing(iw, fresh_cache, monkeypatch):
    from zhijiao.internships.api.checkin_fast import CheckInRateThrottle

    monkeypatch.setattr(CheckInRateThrottle, "THROTTLE_RATES", {"checkin": "3/min"})
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    assert [_post(user, _body(f"thr-key-{i:04d}")).status_code for i in range(3)] == [201] * 3
    refused = _post(user, _body("thr-key-0003"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    error = refused.json()["error"]
    assert error["code"] == "throttled" and error["details"]["wait_seconds"] > 0 and error["message"]
    assert not CheckIn.objects.filter(client_key="thr-key-0003").exists()
    # a request the fast path hands on is counted once, not twice
    monkeypatch.setattr(CheckInRateThrottle, "THROTTLE_RATES", {"checkin": "5/min"})
    assert _post(user, _body("thr-key-0000")).status_code == 200  # repeat: answered by DRF
    assert _post(user, _body("thr-key-0004")).status_code == 201
    assert _post(user, _body("thr-key-0005")).status_code == 429


def test_session_checkins_keep_the_drf_path_and_csrf(iw, login, fresh_cache, drf_calls):
    p = iw.placement(activate=True)
    client = login(p.enrolment.student.user)
    client.handler.enforce_csrf_checks = True
    refused = client.post("/api/v1/checkins/", _body("sess-key-0001"), content_type="application/json")
    assert refused.status_code == 403 and not CheckIn.objects.exists()
    assert client.get("/api/v1/checkins/").status_code == 200


def test_schema_still_documents_the_checkin_create():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "post" in schema["paths"]["/api/v1/checkins/"]


def test_checkin_throttle_has_a_default_rate(monkeypatch):
    from zhijiao.internships.api.checkin_fast import CheckInRateThrottle

    monkeypatch.setattr(CheckInRateThrottle, "THROTTLE_RATES", {"user": "2000/min"})
    assert (CheckInRateThrottle().num_requests, CheckInRateThrottle().duration) == (120, 60)
