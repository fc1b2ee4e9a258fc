"""Issue 11, item 4 (and the check-in audit of item 6): API tokens that expire, rotate, are revoked,
carry a name and their last use; TOTP roles confirm with a fresh code; existing DRF tokens keep
working after the migration; the check-in fast path stays one statement and every check-in is audited."""

from __future__ import annotations

import datetime as dt
import importlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from zhijiao.accounts import services
from zhijiao.accounts.authentication import hash_key
from zhijiao.accounts.models import ApiToken
from zhijiao.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_named_hashed_and_records_its_last_use(world, english):
    token, key = services.token_create(actor=world["school_a"], name="数据同步", days=30)
    assert token.prefix == key[:8] and token.key_hash == hash_key(key) and len(key) >= 40
    assert not ApiToken.objects.filter(key_hash=key).exists()
    assert token.last_used_at is None
    assert client_with(key).get("/api/v1/institutions/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    entry = AuditEntry.objects.get(object_type="accounts.apitoken", object_id=str(token.pk))
    assert entry.after["name"] == "数据同步" and key not in str(entry.after)


def test_expired_and_revoked_tokens_are_refused(world, english):
    token, key = services.token_create(actor=world["school_a"], name="a", days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_with(key).get("/api/v1/institutions/")
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]
    token2, key2 = services.token_create(actor=world["school_a"], name="b", days=1)
    services.token_revoke(actor=world["school_a"], token=token2)
    assert client_with(key2).get("/api/v1/institutions/").status_code == 401


def test_rotation_stops_the_old_key(world):
    token, old = services.token_create(actor=world["school_a"], name="同步", days=90)
    new, key = services.token_rotate(actor=world["school_a"], token=token)
    assert client_with(old).get("/api/v1/institutions/").status_code == 401
    assert client_with(key).get("/api/v1/institutions/").status_code == 200
    assert new.name == "同步"


def test_validity_is_bounded_and_tokens_are_the_owners(world, english):
    with pytest.raises(ValidationError):
        services.token_create(actor=world["school_a"], name="x", days=10_000)
    token, _key = services.token_create(actor=world["school_a"], name="x", days=5)
    from zhijiao.core.services import OutOfScope

    with pytest.raises(OutOfScope):
        services.token_revoke(actor=world["school_b"], token=token)


def test_totp_roles_need_a_fresh_code(world, english):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = world["province_admin"]
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    with pytest.raises(ValidationError, match="6-digit"):
        services.token_create(actor=admin, name="x", days=30)
    with pytest.raises(ValidationError):
        services.token_create(
            actor=admin, name="x", days=30, otp_code="000000" if totp(device.bin_key) != 0 else "111111"
        )
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )
    device.refresh_from_db()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    token, _key = services.token_create(actor=admin, name="x", days=30, otp_code=code)
    assert token.pk


def test_the_audit_scope_needs_the_view_audit_right(world, english):
    with pytest.raises(ValidationError):
        services.token_create(actor=world["school_a"], name="x", days=30, scopes=["audit"])
    token, _key = services.token_create(actor=world["auditor"], name="x", days=30, scopes=["audit"])
    assert token.has_scope("audit")


def _code(user) -> str:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_the_token_page(world, login, english):
    client = login(world["school_a"])  # signs in with a TOTP device: a fresh code is asked for
    refused = client.post("/accounts/token/", {"action": "create", "name": "打卡应用", "days": "30"})
    assert refused.status_code == 400 and "6-digit" in refused.content.decode()
    created = client.post(
        "/accounts/token/",
        {"action": "create", "name": "打卡应用", "days": "30", "otp_code": _code(world["school_a"])},
    )
    assert created.status_code == 200 and b'id="new-token"' in created.content
    token = ApiToken.objects.get(user=world["school_a"])
    page = client.get("/accounts/token/").content.decode()
    assert "打卡应用" in page and token.prefix in page and "Active" in page
    client.post("/accounts/token/", {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Someone else's token id is a 404.
    other, _k = services.token_create(actor=world["school_b"], name="b", days=30)
    assert client.post("/accounts/token/", {"action": "revoke", "token": other.pk}).status_code == 404


def test_existing_drf_tokens_keep_working_after_the_migration(world):
    from rest_framework.authtoken.models import Token

    old = Token.objects.create(user=world["school_a"])
    module = importlib.import_module("zhijiao.accounts.migrations.0003_copy_drf_tokens")
    state = MigrationLoader(connection).project_state(("accounts", "0003_copy_drf_tokens"))
    module.copy_tokens(state.apps, None)
    assert not Token.objects.exists()
    migrated = ApiToken.objects.get(key_hash=hash_key(old.key))
    assert migrated.user == world["school_a"] and migrated.expires_at > timezone.now() + timedelta(days=80)
    assert client_with(old.key).get("/api/v1/institutions/").status_code == 200


# --- the check-in fast path ------------------------------------------------------------------------
@pytest.fixture
def intern(world):
    from zhijiao.internships.tests.conftest import IWorld

    iw = IWorld(world)
    placement = iw.placement(activate=True)
    return placement


def _body(key):
    return {
        "kind": "START",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=1)).isoformat(),
        "latitude": "36.655300",
        "longitude": "117.125100",
        "accuracy_m": 10,
        "client_key": key,
        "address": "山东省济南市历下区经十路88号",
    }


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_checkin_with_a_token_is_one_statement_audited_after_commit(
    intern, django_capture_on_commit_callbacks
):
    user = intern.enrolment.student.user
    _token, key = services.token_create(actor=user, name="打卡", days=30)
    client = client_with(key)
    client.post("/api/v1/checkins/", _body("warm-0001"), format="json")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/checkins/", _body("audit-0001"), format="json")
        assert response.status_code == 201
        assert len(queries) == 1  # token (hash, expiry, last use), placement, dates, distance, insert
    assert callbacks
    entry = AuditEntry.objects.get(object_type="internships.checkin", object_id=str(response.json()["id"]))
    assert entry.actor == user and entry.actor_name == user.username
    assert entry.after["placement"] == intern.pk and entry.after["address"] == "山东省济南市****"
    assert entry.scope_path == intern.institution.region.path


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_an_expired_token_checks_in_nothing(intern, english):
    from zhijiao.internships.models import CheckIn

    user = intern.enrolment.student.user
    token, key = services.token_create(actor=user, name="打卡", days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client_with(key).post("/api/v1/checkins/", _body("expired-0001"), format="json")
    assert response.status_code == 401 and not CheckIn.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_checkin_audit_entries_are_batched_outside_transactions(world, settings):
    from zhijiao.internships import checkins
    from zhijiao.internships.tests.conftest import IWorld

    settings.AUDIT_BUFFER_BATCH = 3
    if checkins._AUDIT is not None:
        checkins._AUDIT.discard()  # rows left by earlier tests refer to rows since flushed
    placement = IWorld(world).placement(activate=True)
    user = placement.enrolment.student.user
    _token, key = services.token_create(actor=user, name="打卡", days=30)
    client = client_with(key)
    before = AuditEntry.objects.filter(object_type="internships.checkin").count()
    for i in range(2):
        assert client.post("/api/v1/checkins/", _body(f"batch-{i:04d}"), format="json").status_code == 201
    assert AuditEntry.objects.filter(object_type="internships.checkin").count() == before  # buffered
    assert client.post("/api/v1/checkins/", _body("batch-0002"), format="json").status_code == 201
    # The third fills the batch: the writer thread writes it at once (one COPY), off the request.
    import time

    for _ in range(50):
        if AuditEntry.objects.filter(object_type="internships.checkin").count() == before + 3:
            break
        time.sleep(0.1)
    assert AuditEntry.objects.filter(object_type="internships.checkin").count() == before + 3
    client.post("/api/v1/checkins/", _body("batch-0003"), format="json")
    checkins.flush_audit(stop=True)
    assert AuditEntry.objects.filter(object_type="internships.checkin").count() == before + 4
    entry = AuditEntry.objects.filter(object_type="internships.checkin").latest("id")
    assert entry.actor == user and entry.scope_path == placement.institution.region.path


def test_a_refused_audit_row_does_not_hold_up_the_others(world):
    from zhijiao.core.audit import AuditBuffer

    buffer = AuditBuffer()
    good = buffer.entry(
        actor_id=world["school_a"].pk, actor_name="school_a", action="create",
        object_type="internships.checkin", object_id=1, object_repr="START", after={"placement": 1},
    )  # fmt: skip
    bad = {**good, "actor": 987654321, "object_id": "2"}  # an account deleted meanwhile
    buffer._write([bad, good])
    assert list(
        AuditEntry.objects.filter(object_type="internships.checkin").values_list("object_id", flat=True)
    ) == ["1"]
    assert buffer.pending() == 0
