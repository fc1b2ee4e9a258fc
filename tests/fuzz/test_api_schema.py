"""The API under schemathesis: every operation of /api/schema/, as a province administrator, with
generated valid and invalid inputs; no answer may be a server error (issue 11, item 7 — the fuzzer
that found the two 500s, kept).

``make test`` runs a short, deterministic pass (``FUZZ_EXAMPLES`` examples per operation, default 3,
``derandomize``); ``make fuzz`` a long one (``FUZZ_EXAMPLES=60``). Every example runs in the test's
transaction, rolled back afterwards.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))


def _load_schema():
    # Loaded at collection through the WSGI application: building the schema reads no table.
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = _load_schema()


@pytest.fixture(autouse=True)
def _connection_kept_open():
    """The cases call the WSGI application inside the test's transaction: Django's end-of-request
    connection closing is switched off meanwhile, as its own test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(world):
    from zhijiao.core.testing import make_token

    return make_token(world["province_admin"], scopes=["audit"])


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(case, admin_token):
    response = case.call(headers={"Authorization": f"Token {admin_token}"})
    case.validate_response(response, checks=[not_a_server_error])
