"""Issue 11, item 3: sign-in throttling per account and per address, shared by every worker,
with an image CAPTCHA instead of a hard lock, so a stranger cannot lock an administrator out."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from zhijiao.core import ratelimit
from zhijiao.core.testing import TEST_PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def post(client, username, password, address="10.0.0.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=address)


def captcha_on(page) -> tuple[str, str] | None:
    """(token, answer) of the CAPTCHA a page shows; the answer read from the counters' store."""
    html = page.content.decode()
    match = re.search(r'name="captcha_token" value="([0-9a-f]+)"', html)
    if not match:
        return None
    assert 'src="data:image/png;base64,' in html
    token = match.group(1)
    stored = ratelimit.backend().values[f"{ratelimit._prefix()}cap:{token}"][0]
    return token, stored


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(LOGIN_CAPTCHA_AFTER=3, LOGIN_MAX_FAILURES=5)
def test_captcha_after_repeated_failures_then_sign_in_with_it(client, world, english):
    assert captcha_on(client.get(LOGIN, REMOTE_ADDR="10.0.0.1")) is None
    for _ in range(3):
        page = post(client, "school_a", "wrong-Passw0rd")
    shown = captcha_on(page)
    assert shown is not None
    # The right password without the CAPTCHA is refused, and says why.
    refused = post(client, "school_a", TEST_PASSWORD)
    assert "characters shown in the picture" in refused.content.decode() and not signed_in(client)
    # A wrong answer, then the right one (each picture is good for one try).
    token, _answer = captcha_on(refused)
    wrong = post(client, "school_a", TEST_PASSWORD, captcha_token=token, captcha="XXXXX")
    assert not signed_in(client)
    token, answer = captcha_on(wrong)
    ok = post(client, "school_a", TEST_PASSWORD, captcha_token=token, captcha=answer.lower())
    assert ok.status_code == 302 and signed_in(client)


@override_settings(LOGIN_CAPTCHA_AFTER=3, LOGIN_MAX_FAILURES=5)
def test_a_stranger_cannot_lock_the_administrator_out(client, world, english):
    from django.test import Client

    stranger = Client()
    for _ in range(12):
        post(stranger, "province_admin", "guess-Passw0rd", address="203.0.113.9")
    # From the third failure on the stranger meets the CAPTCHA: guesses without it are not even tried.
    blocked = post(stranger, "province_admin", TEST_PASSWORD, address="203.0.113.9")
    assert "characters shown in the picture" in blocked.content.decode()
    assert "_auth_user_id" not in stranger.session
    # The administrator, at the office: only the CAPTCHA stands in the way.
    page = client.get(LOGIN, REMOTE_ADDR="10.1.1.1")
    first = post(client, "province_admin", TEST_PASSWORD, address="10.1.1.1")
    token, answer = captcha_on(first)
    done = post(
        client, "province_admin", TEST_PASSWORD, address="10.1.1.1", captcha_token=token, captcha=answer
    )
    assert done.status_code == 302 and done["Location"].startswith("/accounts/otp/")
    assert page.status_code == 200


@override_settings(LOGIN_ADDRESS_MAX_FAILURES=8, LOGIN_CAPTCHA_AFTER=100, LOGIN_MAX_FAILURES=5)
def test_one_password_sprayed_over_usernames_is_stopped_per_address(client, world, english):
    for i in range(8):
        post(client, f"user{i}", "Spring@2024", address="198.51.100.7")
    blocked = post(client, "school_a", TEST_PASSWORD, address="198.51.100.7")
    assert "network address" in blocked.content.decode() and not signed_in(client)
    ok = post(client, "school_a", TEST_PASSWORD, address="198.51.100.8")
    assert ok.status_code == 302


def test_counters_are_shared_not_per_process(settings):
    """The counters are the backend's, not a module global of one worker: two backends on one Redis
    see the same counts (skipped without Redis)."""
    url = settings.REDIS_URL
    if not url:
        pytest.skip("REDIS_URL not set")
    one, two = ratelimit.RedisBackend(url), ratelimit.RedisBackend(url)
    settings.RATELIMIT_PREFIX = "zj:test-shared:"
    key = ratelimit._prefix() + "login:x"
    try:
        now = ratelimit._now_ms()
        assert one.hits([key], [now, 60000, "1", "a"]) == [1]
        assert two.hits([key], [now + 1, 60000, "1", "b"]) == [2]
        assert one.hits([key], [now + 61000, 60000, "0", "c"]) == [0]  # slid out of the window
    finally:
        one.delete(key)
