import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Failure counters for unknown usernames live in the cache; tests must not share them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def totp_code():
    """``totp_code(device)``: the device's current 6-digit code, as an authenticator app shows it."""
    from django_otp.oath import totp

    def _code(device) -> str:
        return (
            f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"
        )

    return _code


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source strings; the Chinese catalogue may change independently."""
    from django.utils import translation

    with translation.override("en"):
        yield
