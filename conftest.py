import pytest


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
