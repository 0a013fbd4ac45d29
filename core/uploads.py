"""Uploads bounded at the request, not after it: a body past the limit is refused before it is
read, or as soon as the bytes read pass the limit, never spooled whole to disk first.

settings.UPLOAD_MAX_BYTES bounds the files of one request. `UploadLimitMiddleware` refuses a
multipart body whose Content-Length is beyond it (plus FORM_ALLOWANCE for the form's other
fields and the multipart framing) without reading a byte; `LimitedUploadHandler`, first of
FILE_UPLOAD_HANDLERS, counts the file bytes as Django reads them and stops the parse as soon as
they pass the limit. Either way the person gets 413 and a message that says the limit: a page,
or on the API the uniform error body (`request_too_large`).

A server whose disk is full (or that may not write more) cannot spool a large upload: the
spooling handler (`SpoolingUploadHandler`, last of FILE_UPLOAD_HANDLERS) removes what it wrote
and stops the parse, and the person gets 503 with a message that says nothing was imported and
to try again later (on the API `storage_full`, with `retry_after`), instead of a server error.

A client that stops sending the body (a stalled or dropped connection) is not waited for longer
than settings.UPLOAD_STALL_SECONDS between bytes (under gunicorn, whose socket the request
carries); the body it could not read is answered 408 (or 400 if the client hung up) with a
message to upload again, and nothing of it was kept.
"""

import contextlib
import logging

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http import JsonResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api.errors import error_body

logger = logging.getLogger(__name__)

FORM_ALLOWANCE = 64 * 1024
API_PREFIX = "/api/"
STORAGE_RETRY_AFTER = 600  # seconds: what a full disk takes an operator to clear, at least


def too_large_message() -> str:
    return _("The file is larger than %(limit)d MB; split it into smaller files.") % {
        "limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    }


def body_limit() -> int:
    return settings.UPLOAD_MAX_BYTES + FORM_ALLOWANCE


class UploadTooLarge(MultiPartParserError):
    """The upload passed settings.UPLOAD_MAX_BYTES; reading stopped there."""


class LimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload once its files pass settings.UPLOAD_MAX_BYTES; must come first in
    FILE_UPLOAD_HANDLERS so that no other handler has stored those bytes."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length > body_limit():
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler makes the file

    def _refuse(self):
        if self.request is not None:
            # Whoever parsed the form (a middleware, the view, DRF) answers as it answers a form
            # it cannot read; UploadLimitMiddleware turns that answer into the 413 that says why.
            self.request.upload_too_large = True
        raise UploadTooLarge(too_large_message())


class UploadNotStored(MultiPartParserError):
    """The server could not write the upload to its temporary directory (disk full)."""


def not_stored_message() -> str:
    return _(
        "The server has no room to receive the file just now, and nothing was imported. "
        "Upload it again in a few minutes; if this goes on, tell the portal's administrators."
    )


class SpoolingUploadHandler(TemporaryFileUploadHandler):
    """Django's temporary-file handler, refusing cleanly when the disk will not take the file:
    what it wrote is removed, and UploadLimitMiddleware answers 503."""

    def new_file(self, *args, **kwargs):
        try:
            super().new_file(*args, **kwargs)
        except OSError as error:
            self._refuse(error)

    def receive_data_chunk(self, raw_data, start):
        try:
            self.file.write(raw_data)
        except OSError as error:
            self._refuse(error)

    def file_complete(self, file_size):
        try:  # the last buffered bytes are written here
            return super().file_complete(file_size)
        except OSError as error:
            self._refuse(error)

    def _refuse(self, error: OSError):
        logger.error("An upload could not be stored: %s", error)
        file = getattr(self, "file", None)
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()  # a NamedTemporaryFile: closing it removes it
        if self.request is not None:
            self.request.upload_not_stored = True
        raise UploadNotStored(not_stored_message()) from error


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def refusal(request):
    """413 with a message that says the limit: the uniform error body on the API, else a page."""
    message = too_large_message()
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(
            error_body("request_too_large", message),
            status=413,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(
        request,
        "core/upload_too_large.html",
        {"message": message, "back": request.path},
        status=413,
    )


def storage_refusal(request):
    """503 saying the upload could not be stored and to try again later; the rest of the body
    is read first (bounded by the limit above), so that the client reads the answer instead of
    a reset connection."""
    stream = getattr(request, "_stream", None)
    with contextlib.suppress(OSError, ValueError):
        while stream is not None and stream.read(64 * 1024):
            pass
    message = not_stored_message()
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse(
            error_body("storage_full", message, retry_after=STORAGE_RETRY_AFTER),
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(
            request,
            "core/upload_not_stored.html",
            {"message": message, "back": request.path},
            status=503,
        )
    response["Retry-After"] = str(STORAGE_RETRY_AFTER)
    return response


def interrupted_message() -> str:
    return _(
        "The upload stopped before the whole file arrived, and nothing was imported. "
        "Check the connection and upload the file again."
    )


def interrupted_refusal(request, timed_out: bool):
    status = 408 if timed_out else 400
    message = interrupted_message()
    if request.path_info.startswith(API_PREFIX):
        code = "request_timeout" if timed_out else "request_incomplete"
        response = JsonResponse(
            error_body(code, message), status=status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = render(
            request,
            "core/upload_not_stored.html",
            {"message": message, "back": request.path},
            status=status,
        )
    response["Connection"] = "close"
    return response


def _bound_stalls(request):
    """The client's socket times out after UPLOAD_STALL_SECONDS without a byte; answers the
    socket and its timeout before, to put back (None when not served by gunicorn)."""
    client = request.META.get("gunicorn.socket")
    if client is None or not settings.UPLOAD_STALL_SECONDS:
        return None
    try:
        before = client.gettimeout()
        client.settimeout(settings.UPLOAD_STALL_SECONDS)
    except OSError:
        return None
    return client, before


class UploadLimitMiddleware:
    """After AuthenticationMiddleware (the page shows who is logged in) and before anything that
    reads the body (CsrfViewMiddleware's view check, IdempotencyMiddleware, the views)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.content_type == "multipart/form-data"
            and _declared_length(request) > body_limit()
        ):
            return refusal(request)  # nothing of the body is read
        bounded = _bound_stalls(request) if _declared_length(request) else None
        try:
            response = self.get_response(request)
        finally:
            if bounded is not None:
                with contextlib.suppress(OSError):
                    bounded[0].settimeout(bounded[1])
        if getattr(request, "upload_too_large", False):
            return refusal(request)
        if getattr(request, "upload_not_stored", False):
            return storage_refusal(request)
        return response

    def process_exception(self, request, exception):
        """The body could not be read (UnreadablePostError: the client stalled past the limit
        or hung up): a refusal that says so, not a server error."""
        if isinstance(exception, UnreadablePostError):
            cause = exception.__cause__
            return interrupted_refusal(request, timed_out=isinstance(cause, TimeoutError))
        return None
