r"""The OpenAPI schema declares every error an operation can answer, not only its success.

drf-spectacular documents what a view returns when all goes well; the errors come from layers
it does not see (authentication, the role table, throttles, the lookup of the object, the
domain's 409s, the Idempotency-Key middleware). `AutoSchema` adds them here, in one place, from
what each view is made of, each with the uniform `Error` body (core.api.errors). A status that a
view declares itself (with `extend_schema`) keeps its description; it gets the `Error` body if
it declared none.

Which statuses, and why:
- 401: an authenticated view that takes API tokens: a token sent that is unknown, expired or
  revoked answers 401 with `WWW-Authenticate: Token` (core.api.authentication), though the
  session, which sends no challenge, comes first; and any view whose first authentication class
  sends a challenge.
- 403: every authenticated view: not authenticated (no credentials: the session comes first, and
  DRF then answers 403), or the role may not do this, or a read-only token sent to write.
- 404: a path with a parameter (out of scope or no such object), and a paginated list (a `page`
  past the last one).
- 400: every write (validation, an unreadable body, a malformed Idempotency-Key), and every
  operation with query parameters other than `page` and `ordering` (filters and `page_size`
  check their values).
- 409: every POST the Idempotency-Key middleware covers (a request with the same key still
  running), which is also where the status transitions and the creates that can collide live;
  and the PUT/PATCH of an object with a workflow (`STATUS_TRANSITIONS`), which its status can
  refuse.
- 413: every POST the Idempotency-Key middleware covers (it reads the body, bounded by
  DATA_UPLOAD_MAX_MEMORY_SIZE) and every upload (bounded by UPLOAD_MAX_BYTES).
- 422: every POST the Idempotency-Key middleware covers (the key was used for another request).
- 429: a view with throttles.

Request bodies are documented as JSON, the API's contract, wherever a view reads JSON (not the
forms DRF also reads). Filters take an empty value as no value (`allowEmptyValue`), as
django-filter reads them, and carry no `title` (a label in the schema's language, after which
client generators would name classes). A path id narrowed to digits (`lookup_value_regex`) is an
integer. A nullable related field may be sent as `""` (DRF reads it as null).
And it narrows one pattern drf-spectacular writes too wide: a decimal sent as a string
(`"12.5"`) is documented as `^-?\d{0,N}(?:\.\d{0,P})?$`, which takes `""`, `"-"` and `"."`; here
it needs a digit, and a minus sign only where negative values are allowed.
"""

import uritemplate
from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.plumbing import get_view_model
from rest_framework import serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.relations import RelatedField

from core.api.errors import ErrorSerializer
from core.api.idempotency import API_PREFIX, EXEMPT_PATHS

ERROR_MEDIA_TYPE = "application/json"
NULLABLE_IN_RESPONSES = "_nullable_in_responses"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Query parameters that cannot make a request invalid: an unknown `ordering` field is ignored;
# a `page` past the last one answers 404 (below).
HARMLESS_QUERY_PARAMETERS = frozenset({"page", "ordering"})
# The patterns drf-spectacular writes for a path parameter of `lookup_value_regex` digits.
DIGITS_PATTERNS = frozenset({"^[0-9]+$", r"^\d+$"})

DESCRIPTIONS = {
    400: "Not valid: `fields` gives the messages for each field.",
    401: (
        "The token sent does not work: not known (`authentication_failed`), expired "
        "(`token_expired`), revoked (`token_revoked`) or of a deactivated account "
        "(`account_inactive`); `detail` says which and what to do."
    ),
    403: (
        "Not authenticated (no credentials), or your role may not do this, or the token may "
        "only read (`token_read_only`)."
    ),
    404: "Not found, or not in your scope (another enterprise's, association's or region's).",
    409: (
        "Conflict: the current status does not allow this (`current_status` says which), or the "
        "request collides with other data, or a request with the same Idempotency-Key is still "
        "running (send it again shortly)."
    ),
    413: "The request body, or the uploaded file, is larger than the limit the message states.",
    422: "This Idempotency-Key was used for another request; use a new key for a new request.",
    429: "Too many requests: `retry_after` (and the `Retry-After` header) says how long to wait.",
}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        declared_by_view = {int(code) for code in responses if code.startswith("4")}
        for status in self.error_statuses(operation) | declared_by_view:
            self._declare_error(responses, status)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def map_parsers(self):
        # Partners send JSON: a view that reads JSON documents JSON only, though DRF's default
        # parsers would also read a form (where an empty field stands for null and a checkbox
        # left out for false, which a schema cannot say). Uploads, which take no JSON, keep
        # their form types.
        media_types = super().map_parsers()
        return ["application/json"] if "application/json" in media_types else media_types

    def _get_filter_parameters(self):
        # A filter sent empty (`?status=`, as a form sends a field left blank) is not applied,
        # whatever its type: django-filter reads an empty value as no value.
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
            # A filter's title is its model field's label in the language of the request that
            # asked for the schema (状态, 企业规模): the parameter's name already says it, and
            # client generators name a filter's choices after its title, which would give
            # classes named in Chinese, different for each language.
            schema = parameter.get("schema", {})
            schema.pop("title", None)
            schema.get("items", {}).pop("title", None)  # a filter taking several values
        return parameters

    def _resolve_path_parameters(self, variables):
        # A viewset whose ids are narrowed to digits (`lookup_value_regex = r"[0-9]+"`) gets its
        # path parameter from that regex: a string of digits, which generated clients then
        # take as a `str`. It is the object's integer id, as everywhere else.
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter["schema"]
            if schema.get("type") == "string" and schema.get("pattern") in DIGITS_PATTERNS:
                parameter["schema"] = {"type": "integer"}
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "response" and getattr(field, NULLABLE_IN_RESPONSES, False):
            schema["nullable"] = True
        if direction == "request" and isinstance(field, RelatedField) and field.allow_null:
            schema.pop("minLength", None)  # DRF reads "" as null for a related field
        if (
            isinstance(field, serializers.DecimalField)
            and schema.get("type") == "string"
            and "pattern" in schema
            and not field.localize
        ):
            schema["pattern"] = decimal_pattern(field)
        return schema

    def error_statuses(self, operation: dict) -> set[int]:
        """The error statuses this operation can answer (see the module's docstring)."""
        statuses = set()
        authenticators = self.view.get_authenticators()
        if authenticators and not any(
            isinstance(permission, AllowAny) for permission in self.view.get_permissions()
        ):
            statuses.add(403)
            if authenticators[0].authenticate_header(self.view.request) or any(
                isinstance(authenticator, TokenAuthentication) for authenticator in authenticators
            ):
                statuses.add(401)
        if self.view.get_throttles():
            statuses.add(429)
        if uritemplate.variables(self.path) or (
            self.method == "GET" and self._is_list_view() and self._get_paginator()
        ):
            statuses.add(404)
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if self.method in WRITE_METHODS or query - HARMLESS_QUERY_PARAMETERS:
            statuses.add(400)
        if self._idempotency_covered():
            statuses |= {409, 413, 422}
        if self.method in {"PUT", "PATCH"} and self._has_workflow():
            statuses.add(409)
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
            statuses.add(413)
        return statuses

    def _idempotency_covered(self) -> bool:
        return (
            self.method == "POST"
            and self.path.startswith(API_PREFIX)
            and self.path not in EXEMPT_PATHS
        )

    def _has_workflow(self) -> bool:
        model = get_view_model(self.view, emit_warnings=False)
        return bool(getattr(model, "STATUS_TRANSITIONS", None))

    def _declare_error(self, responses: dict, status: int) -> None:
        code = str(status)
        error = self._get_response_for_code(ErrorSerializer, code, media_types=[ERROR_MEDIA_TYPE])
        declared = responses.get(code)
        if declared is None:
            responses[code] = {**error, "description": DESCRIPTIONS.get(status, "")}
        elif not declared.get("content"):
            # Declared by the view with a description of its own but no body: the body is ours.
            declared["content"] = error["content"]


def nullable_in_responses(field: serializers.Field) -> serializers.Field:
    """Document `field` as possibly null in answers, not in requests: a value that some readers
    may not see (an official reads no contact phone), which nobody may send as null."""
    setattr(field, NULLABLE_IN_RESPONSES, True)
    return field


def decimal_pattern(field: serializers.DecimalField) -> str:
    """A decimal as DRF reads it from a string: digits, at most `decimal_places` of them after
    the point, at most `max_whole_digits` before it; a minus sign where the minimum allows it."""
    sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
    whole = rf"\d{{1,{field.max_whole_digits}}}" if field.max_whole_digits else "0"
    if not field.decimal_places:
        return rf"^{sign}{whole}$"
    places = field.decimal_places
    return rf"^{sign}(?:{whole}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"


class PortalSessionScheme(SessionScheme):
    """The portal's session authentication (core.api.authentication) is DRF's, documented as
    DRF's: the session cookie."""

    target_class = "core.api.authentication.SessionAuthentication"
