"""The portal's address answers the signed-in user's home page itself: no redirect to
/dashboard/ that made every visit two requests."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_portal_address_is_the_home_page_of_whoever_signed_in(client, cast):
    for user in (cast.staff, cast.official, cast.enterprise_user):
        client.force_login(user)
        at_root, at_dashboard = client.get("/"), client.get(reverse("dashboard"))
        assert at_root.status_code == 200
        assert [t.name for t in at_root.templates][:1] == [t.name for t in at_dashboard.templates][
            :1
        ]


def test_the_portal_address_sends_a_visitor_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == reverse("login")
