import pytest


@pytest.fixture(autouse=True)
def _fresh_abuse_counters():
    """Sign-in failures, lookup counters and CAPTCHA answers never leak from one test to the next;
    nor does anything cached (a dashboard cached per scope by one test answered the next test's
    page for a user with the same grants, from rows that test never made); nor the working-day
    calendar, kept per process for five minutes — whether a test found it loaded depended on the
    clock (a query budget failed on a slower machine)."""
    from django.core.cache import cache

    from zhijiao.core import ratelimit, workdays

    ratelimit.clear_all()
    cache.clear()
    workdays.clear_cache()
    yield


@pytest.fixture(autouse=True)
def _check_in_audit_writer_stopped():
    """A transactional test's check-ins leave audit rows in the process's buffer and its writer
    thread running; woken after the test, the thread met a database closed to it (pytest-django)
    in whichever test ran then. What a test did not write itself is forgotten when it ends: its
    rows are gone with the test's database anyway."""
    yield
    from zhijiao.internships import checkins

    if checkins._AUDIT is not None:
        checkins._AUDIT.discard()  # nothing waiting and no thread: no work, no database


@pytest.fixture
def world(db):
    """A small two-city province with one user per role (see zhijiao.core.testing.World)."""
    from zhijiao.core.testing import World

    return World()


@pytest.fixture
def login(client):
    """``login(user)`` signs a user in on the test client, skipping TOTP for the session."""

    def _login(user):
        client.force_login(user)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _login


@pytest.fixture
def english(settings):
    """Run a test in English: requests (ChosenLanguageMiddleware speaks LANGUAGE_CODE) and code alike.

    Tests that assert on message texts use the English source strings, so the Chinese catalogue
    can be reworded without breaking them; the Chinese UI itself is checked by tests/test_i18n.py
    and the browser journeys.
    """
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
