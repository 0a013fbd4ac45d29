"""Uploads bounded at the request, not after it: a body past the limit is refused before it is
read, or as soon as the bytes read pass the limit, never spooled whole to disk first.

settings.UPLOAD_MAX_BYTES bounds the files of one request. `UploadLimitMiddleware` refuses a
multipart body whose Content-Length is beyond it (plus FORM_ALLOWANCE for the form's other
fields and the multipart framing) without reading a byte; `LimitedUploadHandler`, first of
FILE_UPLOAD_HANDLERS, counts the file bytes as Django reads them and stops the parse as soon as
they pass the limit. Either way the person gets 413 and a message that says the limit: a page,
or on the API the uniform error body (`request_too_large`).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api.errors import error_body

FORM_ALLOWANCE = 64 * 1024
API_PREFIX = "/api/"


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
        response = self.get_response(request)
        if getattr(request, "upload_too_large", False):
            return refusal(request)
        return response
