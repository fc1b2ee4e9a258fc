"""The shared abuse counters (core.ratelimit): sliding windows, the CAPTCHA gate, one Redis round trip
per public lookup, and limits that hold across workers. Redis cases skip without REDIS_URL."""

from __future__ import annotations

import secrets

import pytest

from zhijiao.core import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["memory", "redis"])
def counters(request, settings, monkeypatch):
    """Each test against both backends, with a prefix of its own; ``clock`` moves time."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL not set")
        settings.RATELIMIT_BACKEND = ""
    settings.RATELIMIT_PREFIX = f"zj:test-{secrets.token_hex(4)}:"
    now = {"ms": ratelimit._now_ms()}
    monkeypatch.setattr(ratelimit, "_now_ms", lambda: now["ms"])
    backend = ratelimit.backend()
    assert isinstance(backend, ratelimit.RedisBackend) == (request.param == "redis")
    yield now
    backend.clear()


def gate(client="c1", **kw):
    args = {"limit": 3, "window": 60, "miss_window": 900, "challenge_after": 2, "is_miss": False, **kw}
    return ratelimit.verify_gate(client, **args)


def test_sliding_window_limit(counters):
    assert [gate().state for _ in range(3)] == [ratelimit.ALLOWED] * 3
    limited = gate()
    assert limited.state == ratelimit.LIMITED and 1 <= limited.retry_after <= 60
    assert gate("c2").allowed  # per client
    counters["ms"] += 30_000
    assert gate().state == ratelimit.LIMITED  # still three in the last 60 s
    counters["ms"] += 30_001
    assert gate().allowed  # the first ones slid out (no fixed-window edge)


def test_captcha_after_misses_and_a_one_time_answer(counters):
    assert gate(is_miss=True).allowed
    assert gate(is_miss=True).allowed
    assert gate().state == ratelimit.CAPTCHA_REQUIRED
    token = ratelimit.captcha_new("K7MXR")
    assert gate(captcha_token=token, captcha_answer="WRONG", limit=100).state == ratelimit.CAPTCHA_WRONG
    assert (
        gate(captcha_token=token, captcha_answer="K7MXR", limit=100).state == ratelimit.CAPTCHA_WRONG
    )  # used
    token = ratelimit.captcha_new("K7MXR")
    passed = gate(captcha_token=token, captcha_answer="K7MXR", limit=100)
    assert passed.state == ratelimit.ALLOWED_AFTER_CAPTCHA and passed.misses == 0
    assert gate(limit=100).state == ratelimit.ALLOWED


def test_misses_slide_out_too(counters):
    gate(is_miss=True)
    gate(is_miss=True)
    assert gate(limit=100).state == ratelimit.CAPTCHA_REQUIRED
    counters["ms"] += 901_000
    assert gate(limit=100).allowed


def test_login_counters(counters):
    assert ratelimit.hits([("a", 60, True), ("b", 60, False)]) == [1, 0]
    assert ratelimit.hits([("a", 60, True), ("b", 60, True)]) == [2, 1]
    counters["ms"] += 61_000
    assert ratelimit.hits([("a", 60, False)]) == [0]


def test_limits_hold_across_workers(settings):
    """Two workers (two backends, two connection pools) share one count."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL not set")
    settings.RATELIMIT_PREFIX = f"zj:test-{secrets.token_hex(4)}:"
    settings.RATELIMIT_BACKEND = ""
    workers = [ratelimit.RedisBackend(settings.REDIS_URL) for _ in range(3)]
    states = []
    try:
        for i in range(12):
            ratelimit._backend = workers[i % 3]
            states.append(gate(limit=10).state)
    finally:
        workers[0].clear()
        ratelimit._backend = None
    assert states.count(ratelimit.LIMITED) == 2
