"""Uploads are bounded at the request: a body past UPLOAD_MAX_BYTES is refused with 413 and a
message that says the limit, before it is read (or as soon as the file read passes the limit),
and nothing is imported."""

import io
import json

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from core import uploads
from core.models import IdempotentRequest
from enterprises.models import ImportJob
from tests.factories import api_token

MB = 1024 * 1024
REFUSED = "The file is larger than 1 MB; split it into smaller files."
API_IMPORT = "/api/v1/enterprises/import/"


@pytest.fixture(autouse=True)
def _one_megabyte(settings):
    settings.UPLOAD_MAX_BYTES = MB


class CountingInput(io.BytesIO):
    """The request body as a WSGI server hands it over, counting the bytes taken from it."""

    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.taken += len(data)
        return data


def post(client, path: str, file_size: int, **headers):
    """POST a multipart form with a CSV file of `file_size` bytes straight through the WSGI
    handler, as a server would: the response, the body's size and the bytes read of it."""
    content = b"uscc,name\n" + b" " * (file_size - len(b"uscc,name\n"))
    upload = io.BytesIO(content)
    upload.name = "members.csv"
    body = encode_multipart(BOUNDARY, {"file": upload})
    stream = CountingInput(body)
    client.cookies["django_language"] = "en"  # pages: English as chosen with the switch
    environ = client._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(len(body)),
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
        **{"wsgi.input": stream},
    )
    return client.handler(environ), len(body), stream.taken


def token_header(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_token(user)}"}


def test_a_page_upload_past_the_limit_is_refused_before_any_of_it_is_read(cast, client):
    client.force_login(cast.staff)

    response, _sent, taken = post(client, reverse("member-import"), 2 * MB)

    assert response.status_code == 413
    assert REFUSED in response.content.decode()
    assert taken == 0  # of the 2 MB sent
    assert not ImportJob.objects.exists()


def test_a_page_upload_just_past_the_limit_is_refused_when_the_file_read_passes_it(cast, client):
    client.force_login(cast.staff)

    response, _sent, _taken = post(client, reverse("member-import"), MB + 40 * 1024)

    assert response.status_code == 413
    assert REFUSED in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_file_stops_being_read_as_soon_as_it_passes_the_limit(cast, client, monkeypatch):
    # A body whose declared length passes the first check: the handler counts the file itself.
    monkeypatch.setattr(uploads, "FORM_ALLOWANCE", 8 * MB)
    client.force_login(cast.staff)

    response, sent, taken = post(client, reverse("member-import"), 6 * MB)

    assert response.status_code == 413
    assert REFUSED in response.content.decode()
    assert taken < MB + 256 * 1024 < sent
    assert not ImportJob.objects.exists()


def test_a_file_at_the_limit_is_uploaded_and_imported(cast, client):
    client.force_login(cast.staff)

    response, _sent, _taken = post(client, reverse("member-import"), MB)

    assert response.status_code == 200  # the page: the header misses columns, said row by row
    assert "The header row is not right" in response.content.decode()


def test_an_api_upload_past_the_limit_answers_413_in_the_error_format(cast, client):
    response, _sent, taken = post(client, API_IMPORT, 2 * MB, **token_header(cast.staff))

    assert response.status_code == 413
    assert json.loads(response.content) == {"code": "request_too_large", "detail": REFUSED}
    assert taken == 0
    assert not ImportJob.objects.exists()


def test_an_api_upload_just_past_the_limit_answers_413_and_keeps_no_idempotency_record(
    cast, client
):
    response, _sent, _taken = post(
        client,
        API_IMPORT,
        MB + 40 * 1024,
        HTTP_IDEMPOTENCY_KEY="import-1",
        **token_header(cast.staff),
    )

    assert response.status_code == 413
    assert json.loads(response.content) == {"code": "request_too_large", "detail": REFUSED}
    assert not ImportJob.objects.exists()
    assert not IdempotentRequest.objects.exists()
