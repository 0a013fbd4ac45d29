"""Which language a request is answered in (docs/decisions/0009).

Pages are in Chinese unless the person chose English with the switch in the top bar (Django's
set_language view, which keeps the choice in the language cookie); what the browser asks for
(Accept-Language) does not change them. The REST API, whose partner systems have no switch,
still follows Accept-Language, Chinese when it names no language the portal has.
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

API_PREFIX = "/api/"


def chosen_language(request) -> str:
    """The language chosen with the switch, or the portal's default (Chinese)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, except that pages ignore the browser's Accept-Language."""

    def process_request(self, request):
        if request.path_info.startswith(API_PREFIX):
            super().process_request(request)
            return
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
