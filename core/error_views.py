"""The portal's own error pages: what happened and what to do next, in the person's language.

403, 404 and the failed form check (CSRF) are pages of the portal's layout, rendered with the
request (the menu of a signed-in person, the language switch). 400 and 500 are plain templates
rendered without the request's context processors: they must show even when the database or the
code behind the menu is what failed.
"""

from urllib.parse import urlencode

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
)
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token


def _back(request: HttpRequest) -> str:
    """The page the person came from, when it is one of the portal's own (else nothing)."""
    referer = request.META.get("HTTP_REFERER", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and referer.split("#")[0] != request.build_absolute_uri()
    ):
        return referer
    return ""


def _page(request: HttpRequest, template: str, status: int, **context) -> HttpResponse:
    login_url = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
    context |= {"back": _back(request), "login_url": login_url}
    return render(request, template, context, status=status)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, "404.html", 404)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without the right security token: an old page, or cookies turned off."""
    return _page(request, "403_csrf.html", 403, no_cookie=reason == REASON_NO_CSRF_COOKIE)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return HttpResponseBadRequest(loader.get_template("400.html").render())


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("500.html").render())
