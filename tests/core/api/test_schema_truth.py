"""The OpenAPI schema declares the errors each operation answers, with the uniform `Error` body
(core.api.schema), so that an endpoint added later cannot leave them out.

The rules are checked against what each view is made of (its authentication, permissions and
throttles) and against what the API really answers: without credentials, and for an object
that does not exist.
"""

import json
import re
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.permissions import AllowAny
from schemathesis.core.transport import Response
from werkzeug.test import EnvironBuilder, TestResponse

from core.api.idempotency import EXEMPT_PATHS
from tests.conftest import api_as

ERROR_REF = "#/components/schemas/Error"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def generated():
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    endpoints = []
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        path = generator.coerce_path(path, method, view)
        if path not in ("/api/v1/schema/", "/api/v1/docs/"):  # the schema does not list itself
            endpoints.append((path, method.lower(), view))
    return schema, endpoints


def responses_of(schema, path, method) -> dict:
    return schema["paths"][path][method]["responses"]


def needs_authentication(view) -> bool:
    return bool(view.get_authenticators()) and not any(
        isinstance(permission, AllowAny) for permission in view.get_permissions()
    )


def status_without_credentials(view) -> str:
    """What DRF answers a request without credentials: 401 if the first authentication class
    sends a challenge (WWW-Authenticate), else 403."""
    challenge = view.get_authenticators()[0].authenticate_header(None)
    return "401" if challenge else "403"


def all_operations(schema):
    for path, operations in schema["paths"].items():
        for method in METHODS:
            if method in operations:
                yield path, method, operations[method]


def with_parameters(path: str, value: str = "1") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


def test_every_operation_declares_refused_authentication_permission_and_throttling(generated):
    schema, endpoints = generated
    assert len(endpoints) > 100
    for path, method, view in endpoints:
        declared = set(responses_of(schema, path, method))
        label = f"{method.upper()} {path}"
        if needs_authentication(view):
            assert {"403", status_without_credentials(view)} <= declared, label
        if view.get_throttles():
            assert "429" in declared, label
    token = responses_of(schema, "/api/v1/auth/token/", "post")
    assert {"400", "429"} <= set(token) and "403" not in token


def test_every_operation_on_one_object_declares_404(generated):
    schema, _endpoints = generated
    detail = [(path, method) for path, method, _ in all_operations(schema) if "{" in path]
    assert len(detail) > 50
    for path, method in detail:
        assert "404" in responses_of(schema, path, method), f"{method.upper()} {path}"


def test_every_write_declares_400_and_every_post_the_idempotency_answers(generated):
    schema, _endpoints = generated
    for path, method, operation in all_operations(schema):
        if method in ("post", "put", "patch"):
            assert "400" in operation["responses"], f"{method.upper()} {path}"
        if method == "post" and path not in EXEMPT_PATHS:  # the token endpoints
            assert {"409", "413", "422"} <= set(operation["responses"]), f"POST {path}"


def test_every_error_declared_has_the_error_body(generated):
    schema, _endpoints = generated
    assert {"code", "detail"} <= set(schema["components"]["schemas"]["Error"]["required"])
    for path, method, operation in all_operations(schema):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                body = response["content"]["application/json"]["schema"]
                assert body == {"$ref": ERROR_REF}, f"{method.upper()} {path} {status}"


@pytest.mark.django_db
def test_what_the_api_answers_without_credentials_is_declared(generated):
    schema, _endpoints = generated
    client = api_as(None)
    for path, method, operation in all_operations(schema):
        response = getattr(client, method)(with_parameters(path), {}, format="json")
        label = f"{method.upper()} {path}"
        assert str(response.status_code) in operation["responses"], label
        assert {"code", "detail"} <= set(response.json()), label


def test_what_the_api_answers_for_an_object_that_does_not_exist_is_declared(generated, cast):
    schema, _endpoints = generated
    client = api_as(cast.admin)
    for path, method, operation in all_operations(schema):
        if "{" not in path or method != "get":
            continue
        response = client.get(with_parameters(path, "2147483647"))
        label = f"GET {path}"
        assert response.status_code == 404, label
        assert "404" in operation["responses"], label
        assert response.json()["code"] == "not_found", label


def test_an_address_that_names_no_endpoint_answers_404_with_the_error_body(cast):
    client = api_as(cast.staff)
    for path in ("/api/v1/applications/1.5/", "/api/v1/no-such-thing/", "/api/v1/regions/a/b/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json", path
        assert response.json()["code"] == "not_found", path


def test_a_malformed_page_size_is_refused_as_the_schema_says(generated, cast):
    schema, _endpoints = generated
    client = api_as(cast.staff)
    for malformed in ("many", "20.0", "0", "-3", "２０"):
        response = client.get("/api/v1/regions/", {"page_size": malformed})
        assert response.status_code == 400, malformed
        assert "page_size" in response.json()["fields"]
    assert "400" in responses_of(schema, "/api/v1/regions/", "get")
    assert len(client.get("/api/v1/regions/", {"page_size": 5000}).json()["results"]) == 1000
    assert client.get("/api/v1/regions/", {"page_size": ""}).status_code == 200


def assert_answers_as_declared(schema, client, path: str):
    """GET `path` and check its answer against the schema (status, body), as schemathesis does."""
    response = client.get(path)
    operation = schemathesis.openapi.from_dict(json.loads(json.dumps(schema, default=str)))
    operation = operation.find_operation_by_path("GET", path)
    wsgi = TestResponse(
        response=[response.content],
        status=response.status_code,
        headers=list(response.items()),
        request=EnvironBuilder(method="GET", path=path).get_request(),
    )
    operation.validate_response(Response.from_wsgi(wsgi))  # raises on a mismatch
    return response.json()


def test_values_that_are_absent_answer_null_as_the_schema_says(generated, cast):
    schema, _endpoints = generated
    staff = api_as(cast.staff)
    assert assert_answers_as_declared(schema, staff, "/api/v1/me/")["jurisdiction"] is None
    assert assert_answers_as_declared(schema, staff, "/api/v1/regions/440000/")["parent"] is None
    assert assert_answers_as_declared(schema, staff, "/api/v1/industries/C/")["parent"] is None
    official = api_as(cast.official)
    enterprise = f"/api/v1/enterprises/{cast.member.pk}/"
    assert assert_answers_as_declared(schema, official, enterprise)["contact_phone"] is None

    needed_by = (timezone.localdate() + timedelta(days=5)).isoformat()
    need = api_as(cast.enterprise_user).post(
        "/api/v1/supply-requests/",
        {"item": "mask-medical", "quantity": "1000", "needed_by": needed_by, "urgency": "high"},
        format="json",
    )
    assert need.status_code == 201, need.json()
    escalate = f"/api/v1/supply-requests/{need.json()['id']}/escalate/"
    assert staff.post(escalate, {"summary": "本地无货"}, format="json").status_code == 200
    escalations = f"/api/v1/supply-requests/{need.json()['id']}/escalations/"
    [unanswered] = assert_answers_as_declared(schema, staff, escalations)
    assert unanswered["outcome"] is None  # not "": no outcome until an official replies
    assert unanswered["replied_by"] is None
