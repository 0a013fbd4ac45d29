"""No enterprise changes hands without its consent.

An association adding an enterprise registered elsewhere (form, API or import) only invites it;
the enterprise's users (or, with none, the association that registered it) accept or decline.
The shared record is changed by the enterprise's own users, or while it has none by the
association that registered it; a claim on an enterprise with users is decided by them.
"""

import csv
import io

import pytest
from django.urls import reverse

from associations.models import Membership
from core.models import Notification, Role
from enterprises.models import Enterprise, EnterpriseClaim
from members.imports import start_import
from tests.conftest import api_as
from tests.factories import (
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
    valid_uscc,
)

pytestmark = pytest.mark.django_db

Status = Membership.Status


def _import(cast, rows: list[dict]):
    columns = ["uscc", "name", "region_code", "industry_code", "size", "employees"]
    columns += ["contact_name", "contact_phone", "member_number"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(name, "") for name in columns])
    return start_import(
        actor=cast.staff,
        association_id=cast.association.pk,
        file_name="members.csv",
        content=out.getvalue().encode(),
    )


def _row(enterprise: Enterprise, **overrides) -> dict:
    return {
        "uscc": enterprise.uscc,
        "name": "改过的名字有限公司",
        "region_code": "440106",
        "industry_code": "39",
        "size": "small",
        "employees": "45",
        "contact_name": "陈敏",
        "contact_phone": "13912345678",
        "member_number": "GD-0001",
    } | overrides


# --- the takeover through the API --------------------------------------------------------


def test_adding_another_associations_member_through_the_api_only_invites_it(cast):
    response = api_as(cast.staff).post(
        "/api/v1/memberships/",
        {"enterprise": cast.other_member.pk, "association": cast.association.pk},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invited"
    assert body["joined_on"] is None
    assert (body["enterprise_name"], body["enterprise_uscc"], body["enterprise_region"]) == (
        cast.other_member.name,
        cast.other_member.uscc,
        "330106",
    )
    # Until it accepts, the inviter neither opens the enterprise nor rewrites it.
    assert api_as(cast.staff).get(f"/api/v1/enterprises/{cast.other_member.pk}/").status_code == 404
    patch = api_as(cast.staff).patch(
        f"/api/v1/enterprises/{cast.other_member.pk}/", {"name": "被抢走的企业"}, format="json"
    )
    assert patch.status_code in (403, 404)
    cast.other_member.refresh_from_db()
    assert cast.other_member.name == "杭州盛达服装有限公司"
    assert "accept" not in body["allowed_actions"]
    assert body["allowed_actions"] == ["leave"]  # the inviter may withdraw it, nothing else


def test_the_invitation_is_answered_by_the_association_that_registered_an_enterprise_without_users(
    cast,
):
    membership = (
        api_as(cast.staff)
        .post(
            "/api/v1/memberships/",
            {"enterprise": cast.other_member.pk, "association": cast.association.pk},
            format="json",
        )
        .json()
    )
    # The inviter cannot accept its own invitation.
    assert (
        api_as(cast.staff).post(f"/api/v1/memberships/{membership['id']}/accept/").status_code
        == 403
    )
    # The association that registered it sees the invitation and accepts it.
    listed = api_as(cast.other_staff).get("/api/v1/memberships/invitations/").json()
    assert [m["id"] for m in listed["results"]] == [membership["id"]]
    assert Notification.objects.filter(user=cast.other_staff, link__contains=str(membership["id"]))

    accepted = api_as(cast.other_staff).post(f"/api/v1/memberships/{membership['id']}/accept/")

    assert accepted.status_code == 200
    assert accepted.json()["status"] == "active"
    # A member now, the inviter reads it; the record stays the registering association's.
    assert api_as(cast.staff).get(f"/api/v1/enterprises/{cast.other_member.pk}/").status_code == 200
    assert (
        api_as(cast.staff)
        .patch(f"/api/v1/enterprises/{cast.other_member.pk}/", {"name": "X"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_as(cast.other_staff)
        .patch(f"/api/v1/enterprises/{cast.other_member.pk}/", {"name": "杭州盛达"}, format="json")
        .status_code
        == 200
    )


def test_an_enterprise_with_users_answers_its_invitations_itself(cast):
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member)
    membership = (
        api_as(cast.staff)
        .post(
            "/api/v1/memberships/",
            {"enterprise": cast.other_member.pk, "association": cast.association.pk},
            format="json",
        )
        .json()
    )
    # Its users have taken over: the association that registered it no longer answers for it.
    assert api_as(cast.other_staff).post(
        f"/api/v1/memberships/{membership['id']}/accept/"
    ).status_code in (403, 404)
    assert api_as(cast.other_staff).get("/api/v1/memberships/invitations/").json()["count"] == 0
    assert Notification.objects.filter(user=owner).count() == 1

    declined = api_as(owner).post(
        f"/api/v1/memberships/{membership['id']}/decline/", {"reason": "不需要"}, format="json"
    )

    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    # Invited again later, it may accept.
    again = api_as(cast.staff).post(
        "/api/v1/memberships/",
        {"enterprise": cast.other_member.pk, "association": cast.association.pk},
        format="json",
    )
    assert again.json()["status"] == "invited"
    assert api_as(owner).post(f"/api/v1/memberships/{membership['id']}/accept/").json()[
        "status"
    ] == ("active")


def test_an_enterprise_asking_to_join_an_association_that_invited_it_becomes_a_member(cast):
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=cast.other_member)
    api_as(cast.staff).post(
        "/api/v1/memberships/",
        {"enterprise": cast.other_member.pk, "association": cast.association.pk},
        format="json",
    )
    response = api_as(owner).post(
        "/api/v1/memberships/", {"association": cast.association.pk}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "active"


def test_staff_re_add_their_own_registered_enterprise_at_once(cast):
    enterprise = EnterpriseFactory()
    membership = MembershipFactory(enterprise=enterprise, association=cast.association)
    api_as(cast.staff).post(f"/api/v1/memberships/{membership.pk}/leave/")
    response = api_as(cast.staff).post(
        "/api/v1/memberships/",
        {"enterprise": enterprise.pk, "association": cast.association.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["status"] == "active"


def test_staff_do_not_rewrite_an_enterprise_that_has_its_own_users(cast):
    # cast.member: registered by cast.association, and now with its own enterprise user.
    response = api_as(cast.staff).patch(
        f"/api/v1/enterprises/{cast.member.pk}/", {"contact_phone": "13700000000"}, format="json"
    )
    assert response.status_code == 403
    assert (
        api_as(cast.enterprise_user)
        .patch(
            f"/api/v1/enterprises/{cast.member.pk}/",
            {"contact_phone": "13700000000"},
            format="json",
        )
        .status_code
        == 200
    )


# --- the page ---------------------------------------------------------------------------


def test_adding_a_registered_enterprise_on_the_page_invites_it_and_shows_only_its_identity(
    client, cast
):
    client.force_login(cast.staff)
    response = client.post(
        reverse("member-new"),
        {
            "form": "existing",
            "uscc": cast.other_member.uscc,
            "association": cast.association.pk,
        },
        follow=True,
    )
    membership = Membership.objects.get(enterprise=cast.other_member, association=cast.association)
    assert membership.status == Status.INVITED
    page = response.content.decode()
    assert cast.other_member.uscc in page
    assert "13800138000" not in page and "张三" not in page
    assert client.get(reverse("enterprise-detail", args=[cast.other_member.pk])).status_code == 404
    members = client.get(reverse("member-list"), {"status": "invited"}).content.decode()
    assert cast.other_member.name in members
    assert reverse("enterprise-detail", args=[cast.other_member.pk]) not in members


def test_the_registering_association_accepts_on_the_invitation_page(client, cast):
    api_as(cast.staff).post(
        "/api/v1/memberships/",
        {"enterprise": cast.other_member.pk, "association": cast.association.pk},
        format="json",
    )
    membership = Membership.objects.get(enterprise=cast.other_member, association=cast.association)
    client.force_login(cast.other_staff)
    listed = client.get(reverse("member-list")).content.decode()
    assert reverse("membership-detail", args=[membership.pk]) in listed
    page = client.get(reverse("membership-detail", args=[membership.pk])).content.decode()
    assert 'data-action="accept"' in page and 'data-action="decline"' in page

    client.post(reverse("membership-decide", args=[membership.pk, "accept"]))

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


# --- the import --------------------------------------------------------------------------


def test_an_import_invites_another_associations_member_and_never_rewrites_it(cast):
    before = Enterprise.objects.values().get(pk=cast.other_member.pk)

    first = _import(cast, [_row(cast.other_member)])
    second = _import(cast, [_row(cast.other_member, region_code="440106", name="又改了")])

    assert (first.status, first.invited, first.updated) == ("succeeded", 1, 0)
    assert (second.invited, second.updated) == (0, 0)
    membership = Membership.objects.get(enterprise=cast.other_member, association=cast.association)
    assert (membership.status, membership.joined_on) == (Status.INVITED, None)
    after = Enterprise.objects.values().get(pk=cast.other_member.pk)
    assert after == before  # name, phone and region (Zhejiang) as they were


def test_an_import_registers_new_enterprises_and_updates_only_those_it_keeps(cast):
    code = valid_uscc()
    created = _import(cast, [_row(Enterprise(uscc=code), name="新企业有限公司")])
    assert (created.created, created.invited) == (1, 0)
    enterprise = Enterprise.objects.get(uscc=code)
    assert enterprise.registered_by_id == cast.association.pk
    assert Membership.objects.get(enterprise=enterprise).status == Status.ACTIVE

    again = _import(cast, [_row(enterprise, name="新企业改名有限公司")])
    enterprise.refresh_from_db()
    assert (again.updated, enterprise.name) == (1, "新企业改名有限公司")

    # Once the enterprise has its own user, the association no longer rewrites it.
    UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
    third = _import(cast, [_row(enterprise, name="第三次改名有限公司")])
    enterprise.refresh_from_db()
    assert (third.updated, enterprise.name) == (0, "新企业改名有限公司")


# --- claims -----------------------------------------------------------------------------


def test_a_claim_on_an_enterprise_with_users_is_decided_by_them_not_by_staff(cast):
    newcomer = UserFactory(role=Role.ENTERPRISE)
    claim = api_as(newcomer).post(
        "/api/v1/enterprises/claim/", {"uscc": cast.member.uscc}, format="json"
    )
    assert claim.status_code == 201
    claim_id = claim.json()["id"]

    by_staff = api_as(cast.staff).post(f"/api/v1/enterprise-claims/{claim_id}/approve/")
    assert by_staff.status_code in (403, 404)
    assert EnterpriseClaim.objects.get(pk=claim_id).status == "pending"

    by_owner = api_as(cast.enterprise_user).post(
        f"/api/v1/enterprise-claims/{claim_id}/reject/", {"reason": "不认识此人"}, format="json"
    )
    assert by_owner.status_code == 200
    newcomer.refresh_from_db()
    assert newcomer.enterprise_id is None


def test_no_unrelated_association_decides_a_claim(cast):
    enterprise = EnterpriseFactory()
    MembershipFactory(enterprise=enterprise, association=cast.other_association)
    newcomer = UserFactory(role=Role.ENTERPRISE)
    claim_id = (
        api_as(newcomer)
        .post("/api/v1/enterprises/claim/", {"uscc": enterprise.uscc}, format="json")
        .json()["id"]
    )
    # Inviting it does not make cast.association one of its associations.
    api_as(cast.staff).post(
        "/api/v1/memberships/",
        {"enterprise": enterprise.pk, "association": cast.association.pk},
        format="json",
    )
    assert api_as(cast.staff).post(
        f"/api/v1/enterprise-claims/{claim_id}/approve/"
    ).status_code in (403, 404)
    assert (
        api_as(cast.other_staff).post(f"/api/v1/enterprise-claims/{claim_id}/approve/").status_code
        == 200
    )


def test_the_takeover_chain_is_closed(cast):
    """Add another association's member, have a fresh account claim it, approve the claim and
    make it leave its association: every step is refused."""
    intruder = staff_of(cast.association, username="intruder")
    api_as(intruder).post(
        "/api/v1/memberships/",
        {"enterprise": cast.other_member.pk, "association": cast.association.pk},
        format="json",
    )
    accomplice = UserFactory(role=Role.ENTERPRISE)
    claim_id = (
        api_as(accomplice)
        .post("/api/v1/enterprises/claim/", {"uscc": cast.other_member.uscc}, format="json")
        .json()["id"]
    )
    assert api_as(intruder).post(f"/api/v1/enterprise-claims/{claim_id}/approve/").status_code in (
        403,
        404,
    )
    accomplice.refresh_from_db()
    assert accomplice.enterprise_id is None
    theirs = Membership.objects.get(
        enterprise=cast.other_member, association=cast.other_association
    )
    assert theirs.status == Status.ACTIVE


# --- what an association keeps after a membership ends ------------------------------------


def test_an_association_keeps_what_it_had_when_the_membership_ended(client, cast):
    enterprise = EnterpriseFactory(contact_phone="13800138000", address="旧地址 1 号")
    membership = MembershipFactory(enterprise=enterprise, association=cast.association)
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
    api_as(owner).post(f"/api/v1/memberships/{membership.pk}/leave/")
    api_as(owner).patch(
        f"/api/v1/enterprises/{enterprise.pk}/",
        {"contact_phone": "13912345678", "address": "新地址 9 号", "name": "改名后有限公司"},
        format="json",
    )

    client.force_login(cast.staff)
    exported = client.get(reverse("member-export-csv"), {"status": "left"})
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "旧地址 1 号" in text and "138" in text
    assert "新地址 9 号" not in text and "13912345678" not in text and "改名后" not in text
    listed = client.get(reverse("member-list"), {"status": "left"}).content.decode()
    assert enterprise.name.split("有限")[0] in listed
    assert "改名后有限公司" not in listed


def test_the_membership_api_gives_the_name_an_enterprise_had_when_it_left(cast):
    enterprise = EnterpriseFactory(name="离开前的名字有限公司")
    membership = MembershipFactory(enterprise=enterprise, association=cast.association)
    owner = UserFactory(role=Role.ENTERPRISE, enterprise=enterprise)
    api_as(owner).post(f"/api/v1/memberships/{membership.pk}/leave/")
    api_as(owner).patch(
        f"/api/v1/enterprises/{enterprise.pk}/", {"name": "离开后的名字有限公司"}, format="json"
    )

    body = api_as(cast.staff).get(f"/api/v1/memberships/{membership.pk}/").json()

    assert (body["status"], body["enterprise_name"]) == ("left", "离开前的名字有限公司")
    # The enterprise itself sees its own name as it is.
    assert api_as(owner).get(f"/api/v1/enterprises/{enterprise.pk}/").json()["name"] == (
        "离开后的名字有限公司"
    )
