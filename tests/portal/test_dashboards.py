"""Each role lands on its own home page, which shows what is theirs and nothing of others'."""

import pytest
from django.urls import reverse

from core.models import Role
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LANDING_TITLES = {
    "enterprise_user": ("My enterprise", "我的企业"),
    "outsider": ("My enterprise", "我的企业"),
    "staff": ("Association workspace", "协会工作台"),
    "manager": ("Association workspace", "协会工作台"),
    "official": ("Jurisdiction overview", "辖区概览"),
    "partner": ("Partner system", "合作系统"),
    "admin": ("Platform administration", "平台管理"),
}


def dashboard_of(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


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


def test_dashboard_asks_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_superuser_of_any_role_lands_on_the_platform_page(client):
    # createsuperuser leaves the role at its default (enterprise user).
    root = UserFactory(role=Role.ENTERPRISE, is_staff=True, is_superuser=True)
    assert "平台管理" in dashboard_of(client, root)


def test_staff_dashboard_counts_their_association_members_only(cast, client):
    html = dashboard_of(client, cast.staff)
    assert cast.association.name in html
    assert cast.other_association.name not in html


def test_manager_sees_which_associations_they_manage(cast, client):
    assert 'class="badge"' in dashboard_of(client, cast.manager)
    assert 'class="badge"' not in dashboard_of(client, cast.staff)


def test_official_dashboard_names_the_jurisdiction(cast, client):
    html = dashboard_of(client, cast.official)
    assert "广东" in html
    assert cast.association.name in html
    assert cast.other_association.name not in html


def test_enterprise_dashboard_shows_own_enterprise(cast, client):
    html = dashboard_of(client, cast.enterprise_user)
    assert cast.member.name in html
    assert cast.member.uscc in html
    assert cast.other_member.name not in html


def test_enterprise_user_without_an_enterprise_is_asked_to_register_or_claim_one(cast, client):
    html = dashboard_of(client, cast.outsider)
    assert reverse("enterprise-register") in html
    assert reverse("enterprise-claim") in html
    assert cast.member.name not in html


def test_partner_dashboard_explains_the_api(cast, client):
    html = dashboard_of(client, cast.partner)
    assert reverse("api-tokens") in html
    assert "/webhooks/" in html
    assert "/api/v1/events/" in html
    assert reverse("api:api-docs") in html


def test_platform_dashboard_lists_every_association(cast, client):
    html = dashboard_of(client, cast.admin)
    assert cast.association.name in html
    assert cast.other_association.name in html
    assert reverse("admin:index") in html


def test_navigation_shows_only_what_the_role_can_use(cast, client):
    assert reverse("admin:index") not in dashboard_of(client, cast.enterprise_user)
    assert reverse("admin:index") in dashboard_of(client, cast.admin)
