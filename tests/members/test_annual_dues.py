"""A membership's annual dues: recorded by the association's side on the membership page or
through the API, checked (yuan, 0 or more, two places), kept in the history; nobody else may
change them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.workflow import history_for
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership(cast):
    return cast.member.memberships.get(association=cast.association)


def _record(client, membership, **values):
    data = {"record-member_number": membership.member_number, "record-annual_dues": ""}
    data.update({f"record-{k}": v for k, v in values.items()})
    return client.post(reverse("membership-record", args=[membership.pk]), data)


def test_staff_record_the_dues_on_the_membership_page_and_the_history_keeps_the_change(
    cast, client, membership
):
    client.force_login(cast.staff)
    page = client.get(reverse("membership-detail", args=[membership.pk])).content.decode()
    assert 'data-testid="membership-record"' in page
    response = _record(client, membership, annual_dues="3600.50")
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.annual_dues == Decimal("3600.50")
    page = client.get(reverse("membership-detail", args=[membership.pk])).content.decode()
    assert "¥3600.50" in page
    (event,) = [e for e in history_for(membership) if e.action == "membership.updated"]
    assert event.changes == {"annual_dues": [None, "3600.50"]}


@pytest.mark.parametrize("typed", ["-1", "12.345", "much"])
def test_dues_that_are_not_an_amount_are_refused_at_the_field_and_nothing_is_saved(
    cast, client, membership, typed
):
    client.force_login(cast.staff)
    response = _record(client, membership, annual_dues=typed, member_number="GD-7")
    assert response.status_code == 400
    assert 'id="id_record-annual_dues"' in response.content.decode()
    membership.refresh_from_db()
    assert (membership.annual_dues, membership.member_number) == (None, "")


def test_emptied_dues_are_no_longer_recorded(cast, client, membership):
    type(membership).objects.filter(pk=membership.pk).update(annual_dues=Decimal("100"))
    client.force_login(cast.staff)
    assert _record(client, membership, annual_dues="").status_code == 302
    membership.refresh_from_db()
    assert membership.annual_dues is None


@pytest.mark.parametrize(("who", "status"), [("other_staff", 404), ("enterprise_user", 403)])
def test_nobody_outside_the_association_changes_the_dues(cast, client, membership, who, status):
    client.force_login(getattr(cast, who))
    assert _record(client, membership, annual_dues="1").status_code == status
    membership.refresh_from_db()
    assert membership.annual_dues is None


def test_the_member_sees_its_dues_but_no_form_to_change_them(cast, client, membership):
    type(membership).objects.filter(pk=membership.pk).update(annual_dues=Decimal("800"))
    client.force_login(cast.enterprise_user)
    page = client.get(reverse("membership-detail", args=[membership.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "¥800.00" in html
    assert 'data-testid="membership-record"' not in html


def test_the_api_sets_and_clears_the_dues_and_refuses_a_negative_amount(cast, membership):
    staff = api_as(cast.staff)
    url = f"/api/v1/memberships/{membership.pk}/"
    answer = staff.patch(url, {"annual_dues": "1200.00"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["annual_dues"] == "1200.00"
    assert answer.json()["member_number"] == membership.member_number  # left as it was
    refused = staff.patch(url, {"annual_dues": "-5"}, format="json")
    assert refused.status_code == 400
    assert "annual_dues" in refused.json()["fields"]
    assert staff.patch(url, {"annual_dues": None}, format="json").json()["annual_dues"] is None
    other = api_as(cast.other_staff).patch(url, {"annual_dues": "1"}, format="json")
    assert other.status_code == 404
