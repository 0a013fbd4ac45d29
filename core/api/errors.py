"""The uniform error body of the API.

Every error answers `{"code": ..., "detail": ...}`; validation errors add `fields`
(`{"field": ["message", ...]}`), workflow conflicts add what the client needs to recover (the
current status).
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _as_field_messages(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(field): [str(message) for message in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(message) for message in detail]}
    return {"non_field_errors": [str(detail)]}


def error_body(code: str, detail: str, **extra) -> dict:
    return {"code": code, "detail": detail, **extra}


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (the `Error` component of the OpenAPI schema).

    Only `code` and `detail` are always there. Some errors add what the client needs to act:
    `fields`, `current_status`, `retry_after`, and a few more named in the operation's
    description (e.g. `approved` and `capacity` when a batch is full).
    """

    code = serializers.CharField(
        help_text="What went wrong, for programs: `invalid`, `not_found`, `permission_denied`, "
        "`not_authenticated`, `transition_not_allowed`, `conflict`, `throttled`, …"
    )
    detail = serializers.CharField(help_text="What went wrong, for people (in their language)")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: the messages for each field (`non_field_errors` for the "
        "request as a whole)",
    )
    current_status = serializers.CharField(
        required=False,
        help_text="A workflow conflict: the status the object is in now",
    )
    retry_after = serializers.IntegerField(
        required=False, help_text="Throttled: the seconds to wait before trying again"
    )


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = error_body(exc.code, exc.message, **exc.extra)
        if exc.fields:
            body["fields"] = exc.fields
        return Response(body, status=exc.http_status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(
            "invalid",
            _("Some values are not valid; see the messages for each field."),
            fields=_as_field_messages(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(code if isinstance(code, str) else "error", str(detail))
    challenge = getattr(exc, "www_authenticate", None)
    if challenge:
        # A token was sent and refused (core.api.authentication): 401 with its challenge, though
        # the session, which sends none, is the first authentication class.
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = challenge
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and "Retry-After" in response:
        response.data["retry_after"] = int(response["Retry-After"])
    return response


@csrf_exempt  # like the API's views: whatever the method, the answer is 404
def not_found(request, *args, **kwargs) -> JsonResponse:
    """The answer to an address under /api/v1/ that names no endpoint (an id that is not a
    number, say): 404 with the uniform error body, not Django's HTML page."""
    return JsonResponse(
        error_body("not_found", str(exceptions.NotFound.default_detail)),
        status=status.HTTP_404_NOT_FOUND,
        json_dumps_params={"ensure_ascii": False},
    )
