"""`Idempotency-Key` on the API's POST requests: a partner that sends a request again (after a
timeout or a dropped connection) with the same key gets the first answer again, and the request
is not run a second time.

`IdempotencyMiddleware` (after AuthenticationMiddleware) covers every POST under /api/v1/ but
the token endpoints (EXEMPT_PATHS), sent with the header by an authenticated account (session,
token, or DRF's test client); other requests pass through untouched. Keys belong to the
account: two accounts may use the same key independently.

A covered request runs in one transaction that holds a lock on (account, key) — a PostgreSQL
transaction-level advisory lock, taken without waiting — and inserts the key's row, runs the
view and stores its answer in that row. Hence:

- the request's effects and its stored answer are committed together, or neither is: a worker
  killed half-way leaves nothing behind, and the request can simply be sent again;
- a copy that arrives while the first still runs finds the lock taken and answers 409
  `idempotency_key_in_progress` at once (it does not wait);
- a copy that arrives later replays the stored status, content type and body, with
  `Idempotent-Replayed: true`, without running the view; the same key with another request
  (method, path, media type or body differ) answers 422 `idempotency_key_reused`;
- an answer that says the request was not run (401, 403, 429) or failed on the server's side
  (5xx) is not kept: the transaction is rolled back, effects included, and the request may be
  sent again with the same key.

Keys expire after IDEMPOTENCY_KEY_TTL_HOURS (24): an expired row is replaced when its key comes
again, and `core.tasks.delete_expired_idempotency_keys` deletes the rest nightly.
"""

import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck

from core.api.authentication import ApiTokenAuthentication
from core.api.errors import error_body
from core.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
API_PREFIX = "/api/v1/"
# Not covered: the sign-in (before authentication: no account to own keys), and the making of
# tokens, whose answer carries a key that must never be stored.
EXEMPT_PATHS = frozenset({"/api/v1/auth/token/", "/api/v1/tokens/"})
MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(rf"[ -~]{{1,{MAX_KEY_LENGTH}}}")  # printable ASCII
# Answers that say the request was not run: refused authentication or permission (CSRF
# included), or throttled. Like 5xx, they are not kept.
NOT_KEPT = frozenset({401, 403, 429})


def key_lifetime() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def delete_expired() -> int:
    """Delete the keys older than their lifetime; how many went."""
    deleted, _by_model = IdempotentRequest.objects.filter(
        created_at__lt=timezone.now() - key_lifetime()
    ).delete()
    return deleted


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        error_body(code, detail), status=status, json_dumps_params={"ensure_ascii": False}
    )


def _in_progress() -> JsonResponse:
    return _error(
        409,
        "idempotency_key_in_progress",
        _(
            "A request with this Idempotency-Key is still being processed; "
            "send it again in a moment to get its answer."
        ),
    )


def _account(request):
    """The account DRF will authenticate the request as, and whether by its session; (None,
    False) for none. The order of REST_FRAMEWORK's authentication classes: session, then token.
    """
    forced = getattr(request, "_force_auth_user", None)  # DRF's test client, force_authenticate()
    if forced is not None:
        return forced, False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return user, True
    try:
        authenticated = ApiTokenAuthentication().authenticate(request)
    except exceptions.APIException:
        return None, False  # a token refused, or one that may only read: the view refuses it
    return (authenticated[0], False) if authenticated else (None, False)


def _csrf_fails(request) -> bool:
    """DRF's check for session-authenticated requests (SessionAuthentication.enforce_csrf)."""
    check = CSRFCheck(lambda request: None)
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None


def _form_digest(request) -> bytes:
    """A multipart form by its fields and files: the boundary changes each time a client builds
    the body, so the bytes of a retried upload differ."""
    files = []
    for name, uploads in sorted(request.FILES.lists()):
        for upload in uploads:
            content = hashlib.sha256()
            for chunk in upload.chunks():
                content.update(chunk)
            upload.seek(0)  # the view reads it from the start
            files.append([name, upload.name, content.hexdigest()])
    return json.dumps([sorted(request.POST.lists()), files]).encode()


def _fingerprint(request) -> str:
    """sha256 of the method, the path with its query, the media type and the body.

    The body is read here, once: the view parses it again from memory, or (multipart) takes
    over request.POST and request.FILES as parsed here, as DRF does when a middleware read them.
    """
    digest = hashlib.sha256()
    for part in (request.method, request.get_full_path(), request.content_type or ""):
        digest.update(part.encode() + b"\0")
    if request.content_type == "multipart/form-data":
        digest.update(_form_digest(request))
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _try_lock(owner_id: int, key: str) -> bool:
    """Take the (account, key) lock until the transaction ends, without waiting.

    PostgreSQL only; elsewhere (the SQLite of `make run`) the unique constraint on the row alone
    keeps a key from running twice.
    """
    if connection.vendor != "postgresql":
        return True
    lock_id = int.from_bytes(
        hashlib.sha256(f"idempotency:{owner_id}:{key}".encode()).digest()[:8], "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_id])
        return cursor.fetchone()[0]


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(record.response_body),
        status=record.response_status,
        content_type=record.response_content_type or None,
    )
    response[REPLAYED_HEADER] = "true"
    return response


def _kept(response) -> bool:
    return response.status_code < 500 and response.status_code not in NOT_KEPT


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if (
            key is None
            or request.method != "POST"
            or not request.path_info.startswith(API_PREFIX)
            or request.path_info in EXEMPT_PATHS
        ):
            return self.get_response(request)
        owner, by_session = _account(request)
        if owner is None:
            return self.get_response(request)  # not authenticated: the view refuses it
        key = key.strip()
        if not KEY_PATTERN.fullmatch(key):
            return _error(
                400,
                "invalid_idempotency_key",
                _(
                    "The Idempotency-Key header must be 1 to %(max)d printable ASCII characters; "
                    "a UUID is a good choice."
                )
                % {"max": MAX_KEY_LENGTH},
            )
        try:
            fingerprint = _fingerprint(request)
        except RequestDataTooBig:
            return _error(
                413,
                "request_too_large",
                _("The request body is larger than %(limit)s.")
                % {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)},
            )
        except (MultiPartParserError, SuspiciousOperation) as exc:
            return _error(
                400, "parse_error", _("The form cannot be read: %(reason)s") % {"reason": exc}
            )
        if by_session and _csrf_fails(request):
            return self.get_response(request)  # the view answers 403 and nothing is kept
        return self._once(request, owner, key, fingerprint)

    def _once(self, request, owner, key: str, fingerprint: str):
        with transaction.atomic():
            if not _try_lock(owner.pk, key):
                return _in_progress()
            record = IdempotentRequest.objects.filter(owner=owner, key=key).first()
            if record is not None and record.created_at < timezone.now() - key_lifetime():
                record.delete()
                record = None
            if record is not None:
                if record.fingerprint != fingerprint:
                    return _error(
                        422,
                        "idempotency_key_reused",
                        _(
                            "This Idempotency-Key was used for another request (another "
                            "method, address or body); use a new key for a new request."
                        ),
                    )
                return _replay(record)
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        owner=owner,
                        key=key,
                        method=request.method,
                        path=request.get_full_path(),
                        fingerprint=fingerprint,
                    )
            except IntegrityError:
                return _in_progress()  # another transaction holds the key (without the lock)

            response = self.get_response(request)

            if not _kept(response):
                transaction.set_rollback(True)  # nothing happened, or nothing that should stay
                return response
            if response.streaming:
                content = b"".join(response.streaming_content)
                response.streaming_content = [content]
            else:
                content = response.content
            IdempotentRequest.objects.filter(pk=record.pk).update(
                response_status=response.status_code,
                response_content_type=response.get("Content-Type", ""),
                response_body=content,
            )
            return response


IDEMPOTENCY_KEY_PARAMETER_DESCRIPTION = (
    "Makes this POST safe to send again. Send a new unique value (a UUID) with each new request; "
    "if you send the same request again with the same key (after a timeout, say) within "
    "{hours} hours, it is not run again: you get the first answer (same status and body) with "
    "the header `Idempotent-Replayed: true`. The same key with another request answers 422 "
    "`idempotency_key_reused`; while the first request is still running, 409 "
    "`idempotency_key_in_progress` (send it again shortly). Answers 401, 403, 429 and 5xx are "
    "not kept. 1 to 255 printable ASCII characters; keys belong to your account."
)


def add_idempotency_key_header(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the header on every covered POST."""
    parameter = {
        "in": "header",
        "name": HEADER,
        "required": False,
        "schema": {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_KEY_LENGTH,
            "pattern": "^[ -~]+$",
        },
        "description": IDEMPOTENCY_KEY_PARAMETER_DESCRIPTION.format(
            hours=settings.IDEMPOTENCY_KEY_TTL_HOURS
        ),
    }
    for path, operations in result.get("paths", {}).items():
        operation = operations.get("post")
        if operation is None or not path.startswith(API_PREFIX) or path in EXEMPT_PATHS:
            continue
        operation.setdefault("parameters", []).append(dict(parameter))
    return result
