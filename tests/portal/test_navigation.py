"""The navigation bar shows each role exactly its items, in one order, and every item leads to a
page that person may open."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ASSOCIATION_WORK = [
    "Home",
    "Batches",
    "Review queue",
    "Progress",
    "Needs queue",
    "Offers",
    "Catalogue",
    "Services",
    "Service requests",
    "Relief",
    "Complaints",
    "Practice cases",
    "Notices",
    "Reports",
    "Members",
    "Import",
    "Claims",
    "API documentation",
]
# Managers also register their association's webhook endpoints.
MANAGER_WORK = [
    *ASSOCIATION_WORK[:-1],
    "Webhooks",
    "Audit log",
    "Deletion requests",
    "API documentation",
]
# The API's documentation is in the menu of those who build on the API (staff, partners,
# administrators), not of enterprise users and officials, who work in the pages.
NAVIGATION = {
    # An enterprise's own users decide the claims on it (enterprises.access.may_decide_claim).
    "enterprise_user": [
        "Home",
        "Batches",
        "My applications",
        "My needs",
        "Offers",
        "Services",
        "My relief",
        "Complaints",
        "Practice cases",
        "Notices",
        "Claims",
        "My enterprise",
        "My data",
    ],
    # Acting for no enterprise yet: the claims page lists the claims they made.
    "outsider": ["Home", "Complaints", "Practice cases", "Notices", "Claims", "My data"],
    "staff": ASSOCIATION_WORK,
    "manager": MANAGER_WORK,
    "other_staff": ASSOCIATION_WORK,
    "official": [
        "Home",
        "Progress",
        "Hardest hit",
        "Practice cases",
        "Notices",
        "Escalated needs",
        "Reports",
        "Completeness",
        "Enterprises",
        "Webhooks",
        "Audit log",
    ],
    "other_official": [
        "Home",
        "Progress",
        "Hardest hit",
        "Practice cases",
        "Notices",
        "Escalated needs",
        "Reports",
        "Completeness",
        "Enterprises",
        "Webhooks",
        "Audit log",
    ],
    "partner": [
        "Home",
        "Complaints",
        "Practice cases",
        "Notices",
        "Reports",
        "Import",
        "Webhooks",
        "API documentation",
    ],
    "admin": [
        "Home",
        "Batches",
        "Review queue",
        "Progress",
        "Needs queue",
        "Offers",
        "Catalogue",
        "Services",
        "Service requests",
        "Relief",
        "Complaints",
        "Practice cases",
        "Notices",
        "Escalated needs",
        "Reports",
        "Completeness",
        "Members",
        "Claims",
        "Enterprises",
        "Webhooks",
        "Audit log",
        "Deletion requests",
        "API documentation",
        "The platform",
        "Administration",
    ],
}


def navigation_of(client, user) -> list[tuple[str, str]]:
    """(label, url) of each item of the navigation bar, as the user sees it in English."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = unescape(client.get(reverse("dashboard")).content.decode())
    nav = re.search(r'<nav aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    return [
        (re.sub(r"<[^>]+>", "", label).strip(), url)
        for url, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', nav, re.S)
    ]


@pytest.mark.parametrize("role", sorted(NAVIGATION))
def test_navigation_shows_the_role_exactly_its_items(cast, client, role):
    labels = [label for label, _url in navigation_of(client, cast.by_role(role))]
    assert labels == NAVIGATION[role]


@pytest.mark.parametrize("role", sorted(NAVIGATION))
def test_every_navigation_item_opens_for_the_person_who_sees_it(cast, client, role):
    for label, url in navigation_of(client, cast.by_role(role)):
        assert client.get(url).status_code == 200, (label, url)


def test_my_enterprise_leads_to_the_users_own_enterprise(cast, client):
    items = dict(navigation_of(client, cast.enterprise_user))
    assert items["My enterprise"] == reverse("enterprise-detail", args=[cast.member.pk])
    assert items["My applications"] == reverse("application-list")


def test_the_administration_link_is_for_administrators_only(cast, client):
    for role in sorted(set(NAVIGATION) - {"admin"}):
        urls = [url for _label, url in navigation_of(client, cast.by_role(role))]
        assert reverse("admin:index") not in urls, role
    assert ("Administration", reverse("admin:index")) in navigation_of(client, cast.admin)


def test_a_superuser_of_any_role_gets_the_administrators_navigation(cast, client):
    # createsuperuser leaves the role at its default (enterprise user).
    root = UserFactory(role=Role.ENTERPRISE, is_staff=True, is_superuser=True)
    labels = [label for label, _url in navigation_of(client, root)]
    assert labels == NAVIGATION["admin"]


def test_an_administrator_without_access_to_the_admin_site_gets_no_link_to_it(cast, client):
    administrator = UserFactory(role=Role.ADMIN, is_staff=False)
    labels = [label for label, _url in navigation_of(client, administrator)]
    assert labels == NAVIGATION["admin"][:-1]
