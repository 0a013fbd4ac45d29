import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_served_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_root_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_wrong_password_shows_a_message_and_stays_logged_out(cast, client):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(cast, client):
    client.force_login(cast.staff)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_pages_reference_no_remote_assets(cast, client):
    client.force_login(cast.staff)
    for url in (reverse("login"), reverse("dashboard"), reverse("enterprise-list")):
        html = client.get(url).content.decode()
        assert "http://" not in html and "https://" not in html, url
