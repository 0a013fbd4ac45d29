"""Government reads an enterprise's history without the people's phone numbers, and names who
changed it by role alone: never a login name, nor a person's name."""

import pytest
from django.urls import reverse

from enterprises.services import enterprise_update
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(cast):
    cast.enterprise_user.first_name = "李雷"
    cast.enterprise_user.save(update_fields=["first_name"])
    enterprise_update(
        actor=cast.enterprise_user,
        enterprise_id=cast.member.pk,
        contact_name="王芳",
        contact_phone="13900139000",
    )
    return cast.member


def test_an_official_reads_who_changed_the_enterprise_by_role_alone(cast, edited):
    response = api_as(cast.official).get(f"/api/v1/enterprises/{edited.pk}/history/")

    assert response.status_code == 200
    [event] = response.json()
    assert event["actor"] == "企业用户"
    assert event["changes"]["contact_phone"] == [None, None]
    assert "李雷" not in response.content.decode()


def test_the_official_page_names_who_changed_the_enterprise_by_role_alone(cast, client, edited):
    client.force_login(cast.official)

    response = client.get(reverse("enterprise-detail", args=[edited.pk]))

    html = response.content.decode()
    history = html[html.index('class="history"') :]
    assert "企业用户" in history
    assert "李雷" not in history and f">{cast.enterprise_user.username}<" not in history


def test_the_enterprise_reads_its_own_phone_numbers_in_its_history(cast, edited):
    [event] = api_as(cast.enterprise_user).get(f"/api/v1/enterprises/{edited.pk}/history/").json()

    assert event["changes"]["contact_phone"] == ["13800138000", "+8613900139000"]
