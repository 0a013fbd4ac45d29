"""Every page carries the Content-Security-Policy and the other security headers.

The production case answers a request in a fresh Python started with production's environment
(DEBUG off, HTTPS on), as tests/core/test_settings.py does for the settings themselves.
"""

import json

import pytest

from tests.core.test_settings import PRODUCTION_ENV, run_python

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# Answers GET `path` on the production host; prints status, headers and cookies. Static files
# are named as they are: production's manifest exists only after collectstatic.
ANSWER = """
import json, django
django.setup()
from django.test import Client, override_settings
files = {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES={{"default": files, "staticfiles": files}}):
    response = Client().get({path!r}, secure={secure}, HTTP_HOST="portal.example.org")
print(json.dumps({{
    "status": response.status_code,
    "headers": dict(response.headers),
    "cookies": {{name: dict(morsel) for name, morsel in response.cookies.items()}},
}}))
"""


def production_answer(path: str, *, secure: bool = True) -> dict:
    result = run_python(ANSWER.format(path=path, secure=secure), PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = values
    return parsed


def test_production_login_page_carries_the_policy_and_the_security_headers():
    answer = production_answer("/login/")
    headers = answer["headers"]

    assert answer["status"] == 200
    assert directives(headers["Content-Security-Policy"]) == POLICY
    assert "Content-Security-Policy-Report-Only" not in headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csrf_cookie = answer["cookies"]["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["samesite"] == "Lax"


def test_production_sends_plain_http_to_https():
    answer = production_answer("/login/", secure=False)
    assert answer["status"] == 301
    assert answer["headers"]["Location"] == "https://portal.example.org/login/"


def test_production_api_docs_allow_data_images_and_nothing_else_more():
    """Swagger UI's stylesheet draws its icons as data: images; the rest of the policy holds."""
    answer = production_answer("/api/v1/docs/")
    assert answer["status"] == 200
    assert directives(answer["headers"]["Content-Security-Policy"]) == POLICY | {
        "img-src": ["'self'", "data:"]
    }


@pytest.mark.django_db
def test_pages_signed_in_carry_the_policy(cast, client):
    """Not only the anonymous pages: a signed-in user's pages and the admin too."""
    client.force_login(cast.admin)
    for path in ("/dashboard/", "/enterprises/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert directives(response.headers["Content-Security-Policy"]) == POLICY, path
        assert response.headers["X-Frame-Options"] == "DENY", path
