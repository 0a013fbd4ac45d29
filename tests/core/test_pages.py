import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LANDING_TITLES = {
    "enterprise_user": ("My enterprise", "我的企业"),
    "staff": ("Association workspace", "协会工作台"),
    "manager": ("Association workspace", "协会工作台"),
    "official": ("Jurisdiction overview", "辖区概览"),
    "partner": ("Partner system", "合作系统"),
    "admin": ("Platform administration", "平台管理"),
}


def test_login_page_is_served_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="zh-hans"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_root_sends_anonymous_visitors_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


@pytest.mark.parametrize("role", sorted(LANDING_TITLES))
def test_each_role_logs_in_and_lands_on_its_dashboard(cast, client, role):
    user = cast.by_role(role)
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert LANDING_TITLES[role][1] in response.content.decode()


@pytest.mark.parametrize("role", sorted(LANDING_TITLES))
def test_each_landing_page_switches_to_english(cast, client, role):
    client.force_login(cast.by_role(role))
    client.post(reverse("set_language"), {"language": "en", "next": reverse("dashboard")})
    response = client.get(reverse("dashboard"))
    assert 'lang="en"' in response.content.decode()
    assert LANDING_TITLES[role][0] in response.content.decode()


def test_wrong_password_shows_a_message_and_stays_logged_out(cast, client):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_dashboard_counts_their_association_members_only(cast, client):
    client.force_login(cast.staff)
    html = client.get(reverse("dashboard")).content.decode()
    assert cast.association.name in html
    assert cast.other_association.name not in html


def test_official_dashboard_names_the_jurisdiction(cast, client):
    client.force_login(cast.official)
    html = client.get(reverse("dashboard")).content.decode()
    assert "广东" in html
    assert cast.association.name in html
    assert cast.other_association.name not in html


def test_enterprise_dashboard_shows_own_enterprise(cast, client):
    client.force_login(cast.enterprise_user)
    html = client.get(reverse("dashboard")).content.decode()
    assert cast.member.name in html
    assert cast.member.uscc in html


def test_navigation_shows_only_what_the_role_can_use(cast, client):
    client.force_login(cast.enterprise_user)
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("admin:index") not in html
    client.force_login(cast.admin)
    assert reverse("admin:index") in client.get(reverse("dashboard")).content.decode()


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


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok"}


def test_healthz_answers_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")
