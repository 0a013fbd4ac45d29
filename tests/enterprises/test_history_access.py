"""An enterprise's history (old values included) is read by those who may edit it, by staff of
the associations it is a member of (who read it without editing it) and by the officials of its
region, not by an association it has only asked to join."""

import pytest
from django.test import Client

from associations.models import Membership
from enterprises import services
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(cast):
    # The enterprise has a user of its own: they, not its association's staff, change it.
    services.enterprise_update(
        actor=cast.enterprise_user, enterprise_id=cast.member.pk, contact_phone="13900139000"
    )
    Membership.objects.create(
        enterprise=cast.member, association=cast.other_association, status="pending"
    )
    return cast.member


def test_staff_of_an_association_it_asked_to_join_do_not_read_its_history(cast, changed):
    response = api_as(cast.other_staff).get(f"/api/v1/enterprises/{changed.pk}/history/")
    assert response.status_code == 403

    page = Client()
    page.force_login(cast.other_staff)
    response = page.get(f"/enterprises/{changed.pk}/")
    assert response.status_code == 200
    assert b'data-testid="enterprise-history"' not in response.content


@pytest.mark.parametrize("role", ["enterprise_user", "admin"])
def test_those_who_may_edit_it_read_the_old_and_new_phone(cast, changed, role):
    response = api_as(cast.by_role(role)).get(f"/api/v1/enterprises/{changed.pk}/history/")
    assert response.status_code == 200
    assert "+8613900139000" in response.content.decode()


def test_staff_of_an_association_it_is_a_member_of_read_the_old_and_new_phone_without_editing(
    cast, changed
):
    client = api_as(cast.staff)
    response = client.get(f"/api/v1/enterprises/{changed.pk}/history/")
    assert response.status_code == 200
    assert "+8613900139000" in response.content.decode()
    refused = client.patch(f"/api/v1/enterprises/{changed.pk}/", {"contact_name": "李四"})
    assert refused.status_code == 403


def test_an_official_of_its_region_reads_that_the_phone_changed_not_the_numbers(cast, changed):
    response = api_as(cast.official).get(f"/api/v1/enterprises/{changed.pk}/history/")
    assert response.status_code == 200
    [updated] = [e for e in response.json() if e["action"] == "enterprise.updated"]
    assert updated["changes"]["contact_phone"] == [None, None]
