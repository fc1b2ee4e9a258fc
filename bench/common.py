"""What several benchmarks share: a throwaway PostgreSQL test database around the run, and a test
client signed in with a confirmed TOTP device (the authorities' pages ask for the second factor)."""

from __future__ import annotations

import json
import sys


def run_in_test_database(name: str, keepdb: bool, run, args) -> None:
    """Set Django up, create ``test_<db>`` (kept with ``keepdb``), print ``run(args)`` as JSON, drop it."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        sys.exit(f"{name} needs PostgreSQL (DATABASE_URL=postgres://…)")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb, serialize=False)
    try:
        print(json.dumps(run(args), ensure_ascii=False, indent=2))
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keepdb)
        teardown_test_environment()


def otp_client(user):
    """A test client signed in as ``user`` past the second factor."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
