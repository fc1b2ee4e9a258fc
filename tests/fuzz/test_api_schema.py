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


@pytest.fixture
def api_schema(db, world):
    from config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = schemathesis.pytest.from_fixture("api_schema")


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
