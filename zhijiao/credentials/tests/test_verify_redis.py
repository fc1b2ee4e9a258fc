"""A public lookup costs one Redis round trip (the counters shared by every worker, core.ratelimit)."""

import secrets

import pytest

from zhijiao.core import ratelimit

pytestmark = pytest.mark.django_db


def test_a_public_lookup_is_one_redis_round_trip(client, settings, world, graduate):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL not set")
    from zhijiao.credentials import services

    settings.RATELIMIT_BACKEND = ""
    settings.RATELIMIT_PREFIX = f"zj:test-{secrets.token_hex(4)}:"
    cert = services.certificate_issue(
        actor=world["school_a"], graduation=graduate(name="王五"), principal_name="李校长"
    )
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    cert.refresh_from_db()
    backend = ratelimit.backend()
    # The steady state: the first use of the scripts on a Redis server that has not seen them (a fresh
    # server, or this test running first) loads them once (NOSCRIPT, SCRIPT LOAD, EVALSHA).
    assert b'data-result="valid"' in client.get(f"/verify/v/{cert.number}?c={cert.verify_code}").content
    calls = []
    original = backend.client.execute_command

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    backend.client.execute_command = counting
    try:
        for path in (f"/verify/v/{cert.number}?c={cert.verify_code}",):
            calls.clear()
            assert b'data-result="valid"' in client.get(path).content
            assert calls == ["EVALSHA"]
        calls.clear()
        response = client.post("/verify/", {"form": "number", "number": cert.number, "name": "王五"})
        assert b'data-result="valid"' in response.content and calls == ["EVALSHA"]
    finally:
        backend.client.execute_command = original
        backend.clear()
