"""Property-based test of the whole API: whatever schemathesis generates from /api/v1/schema/,
as a staff user and as an enterprise user, the server never answers with a 5xx.

The schema is read from the running application, so every endpoint added later is covered
without touching this file.
"""

import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from core.api.idempotency import HEADER as IDEMPOTENCY_KEY
from core.api.idempotency import KEY_PATTERN
from resumption_portal.wsgi import application


@pytest.fixture
def api_schema(db):
    # Requests go through the real WSGI handler; like Django's test client, keep it from closing
    # the test's database connection (and so its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


def token_header(user) -> dict[str, str]:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def fresh_idempotency_key(case) -> None:
    """Hypothesis offers the same few keys again and again: a valid one already used would
    answer 422 (key reused) without running the view. Each valid key is made new; invalid ones
    are sent as generated."""
    key = (case.headers or {}).get(IDEMPOTENCY_KEY)
    if isinstance(key, str) and KEY_PATTERN.fullmatch(key.strip()):
        case.headers[IDEMPOTENCY_KEY] = str(uuid.uuid4())


FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@schema.parametrize()
@FUZZ
def test_no_input_from_a_staff_user_produces_a_server_error(case, cast):
    fresh_idempotency_key(case)
    case.call_and_validate(
        headers=token_header(cast.staff), checks=[schemathesis.checks.not_a_server_error]
    )


@schema.parametrize()
@FUZZ
def test_no_input_from_an_enterprise_user_produces_a_server_error(case, cast):
    fresh_idempotency_key(case)
    case.call_and_validate(
        headers=token_header(cast.enterprise_user),
        checks=[schemathesis.checks.not_a_server_error],
    )
