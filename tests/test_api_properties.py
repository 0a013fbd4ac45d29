"""Property-based test of the whole API against its own OpenAPI schema: whatever schemathesis
generates from /api/v1/schema/, as a staff user, an enterprise user and an official, every
answer is one the schema declares (status, content type, headers, body), invalid input is
refused, authentication is enforced, and no input produces a 5xx.

All of schemathesis's checks run, but for those EXCLUDED_CHECKS says why. The schema is read
from the running application, so every endpoint added later is covered without touching this
file.
"""

import copy
import functools
import itertools
import json
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.core.mutations import OperatorKind
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario
from werkzeug.test import Client

from core.api.idempotency import HEADER as IDEMPOTENCY_KEY
from core.api.idempotency import KEY_PATTERN
from resumption_portal.wsgi import application
from tests.factories import api_token

SCHEMA_PATH = "/api/v1/schema/"
# Each user's test runs on the API in five parts (by path, about 40 operations each), so that
# pytest-xdist can share the runs out evenly between its workers and none is left running alone
# at the end of the suite.
PARTS = {"a-b": "ab", "c-d": "cd", "e-l": "efghijkl", "m-r": "mnopqr", "s-z": "stuvwxyz"}


@functools.cache
def served_schema() -> dict:
    """The schema as /api/v1/schema/ serves it, fetched once: making it takes seconds, and each
    run would otherwise ask for it again."""
    response = Client(application).get(
        SCHEMA_PATH, headers={"Accept": "application/vnd.oai.openapi+json"}
    )
    assert response.status_code == 200
    return json.loads(response.get_data())


def schema_as(user, part: str):
    """The operations of one part of the API's schema, their requests sent with `user`'s token.

    The token goes in through schemathesis's auth providers, not as a plain header, so that
    schemathesis knows the credentials are real: it then leaves out the session cookie it would
    otherwise make up, and `ignored_auth` checks that the same request without them, or with
    made-up ones, is refused."""
    key = api_token(user)
    raw = copy.deepcopy(served_schema())
    raw["paths"] = {
        path: item
        for path, item in raw["paths"].items()
        if path.removeprefix("/api/v1/")[:1] in PARTS[part]
    }
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = application  # requests go through the real WSGI handler
    schema.location = SCHEMA_PATH

    @schema.auth(refresh_interval=None)
    class UserToken:
        def get(self, case, context):
            return key

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Token {data}"}

    return schema


@pytest.fixture
def wsgi_in_test_transaction(db):
    # Requests go through the real WSGI handler; like Django's test client, keep it from closing
    # the test's database connection (and so its transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=PARTS)
def as_staff(request, wsgi_in_test_transaction, cast):
    return schema_as(cast.staff, request.param)


@pytest.fixture(params=PARTS)
def as_enterprise_user(request, wsgi_in_test_transaction, cast):
    return schema_as(cast.enterprise_user, request.param)


@pytest.fixture(params=PARTS)
def as_official(request, wsgi_in_test_transaction, cast):
    return schema_as(cast.official, request.param)


def fresh_idempotency_key(case) -> None:
    """Hypothesis offers the same few keys again and again: a valid one already used would
    answer 422 (key reused) without running the view. Each valid key is made new; invalid ones
    are sent as generated."""
    key = (case.headers or {}).get(IDEMPOTENCY_KEY)
    if isinstance(key, str) and KEY_PATTERN.fullmatch(key.strip()):
        case.headers[IDEMPOTENCY_KEY] = str(uuid.uuid4())


def refuses_negative_data(ctx, response, case):
    """schemathesis's negative_data_rejection, but for one kind of request it cannot judge.

    A JSON body whose only changes give fields a scalar of another type than the schema's is
    read by DRF's fields the way a person means it: `1` or `"true"` as true, `"5"` as 5, `5` as
    `"5"`. That reading is DRF's on purpose and does clients no harm; the schema states the types
    to send. Objects, arrays and nulls where a scalar belongs, missing fields, values out of
    range or pattern, and every change outside the body are still expected to be refused.
    """
    if only_scalars_retyped_in_the_body(case):
        return None
    return schemathesis.checks.negative_data_rejection(ctx, response, case)


SCALARS = (str, int, float, bool)
NOWHERE = object()


def only_scalars_retyped_in_the_body(case) -> bool:
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    if isinstance(data, CoveragePhaseData):  # one value of the body, given a wrong type
        return (
            data.scenario == CoverageScenario.INCORRECT_TYPE
            and data.parameter_location == ParameterLocation.BODY
            and isinstance(value_at(case.body, data.location), SCALARS)
        )
    mutations = getattr(data, "mutations", None)  # fuzzing: any number of changes
    return bool(mutations) and all(
        mutation.operator == OperatorKind.CHANGE_TYPE
        and mutation.parameter_location == ParameterLocation.BODY
        and isinstance(mutation.new_value, SCALARS)
        for mutation in mutations
    )


def value_at(body, schema_location: str | None):
    """The body's value that the schema at `schema_location` describes ("/properties/is_active/
    type": `body["is_active"]`); NOWHERE for the body itself or a place inside an array."""
    parts = (schema_location or "").strip("/").split("/")
    names = [name for keyword, name in itertools.pairwise(parts) if keyword == "properties"]
    if not names or "items" in parts:
        return NOWHERE
    value = body
    for name in names:
        if not isinstance(value, dict) or name not in value:
            return NOWHERE
        value = value[name]
    return value


EXCLUDED_CHECKS = [
    # positive_data_acceptance expects every request the schema allows to succeed. Here a
    # request can be well formed and still refused (400) for what a schema cannot say: a region,
    # industry or catalogue code, or an id, that names nothing in the database (or nothing the
    # user may use); a credit code whose check character is wrong; a date that must not be in
    # the past; a code already taken; a file that is not a spreadsheet. Those 400s are right.
    schemathesis.checks.positive_data_acceptance,
    # Replaced by refuses_negative_data (above), which runs it but for DRF's reading of scalars.
    schemathesis.checks.negative_data_rejection,
]
ADDITIONAL_CHECKS = [refuses_negative_data]

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
# An enterprise user and an official write little and see through the same filters as staff:
# fewer examples find what their scope gets wrong, in half the time.
FUZZ_NARROW = settings(FUZZ, max_examples=12)


def call_and_validate(case) -> None:
    fresh_idempotency_key(case)
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS, additional_checks=ADDITIONAL_CHECKS)


@schemathesis.pytest.from_fixture("as_staff").parametrize()
@FUZZ
def test_the_api_keeps_its_schema_for_a_staff_user(case):
    call_and_validate(case)


@schemathesis.pytest.from_fixture("as_enterprise_user").parametrize()
@FUZZ_NARROW
def test_the_api_keeps_its_schema_for_an_enterprise_user(case):
    call_and_validate(case)


@schemathesis.pytest.from_fixture("as_official").parametrize()
@FUZZ_NARROW
def test_the_api_keeps_its_schema_for_an_official(case):
    call_and_validate(case)
