"""Pages are in Chinese unless English is chosen with the switch; the browser's language does not
turn them English. The API follows Accept-Language (docs/decisions/0009)."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_browser_set_to_english_still_gets_chinese_pages(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page


def test_the_switch_turns_the_pages_english_and_the_choice_is_kept(cast, client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert int(cookie["max-age"]) >= 300 * 24 * 60 * 60  # not only until the browser closes

    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<html lang="en">' in page


def test_switching_back_to_chinese_wins_over_an_english_browser(client):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/login/"})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page


def test_a_cookie_naming_no_language_of_the_portal_gives_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in page


def test_the_api_follows_accept_language(cast, client):
    english = client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get("/api/v1/no-such-endpoint/").json()
    assert english["detail"] == "Not found."
    assert english["detail"] != chinese["detail"]
