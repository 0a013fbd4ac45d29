"""Registering and editing enterprises, and claims to act for one, as services."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from associations.models import Membership
from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import Industry, Region
from core.workflow import history_for
from enterprises.models import Enterprise, EnterpriseClaim
from enterprises.services import (
    claim_approve,
    claim_reject,
    claim_request,
    enterprise_create_member,
    enterprise_register,
    enterprise_update,
)
from tests.factories import EnterpriseFactory, MembershipFactory, UserFactory, valid_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def enterprise_fields(**overrides) -> dict:
    fields = {
        "name": "广州新民五金制品有限公司",
        "uscc": valid_uscc(),
        "region": Region.objects.get(code="440106"),
        "industry": Industry.objects.get(code="39"),
        "size": Enterprise.Size.SMALL,
        "employees": 28,
        "contact_name": "刘芳",
        "contact_phone": "020-87654321",
    }
    return fields | overrides


def wrong_check_character(uscc: str) -> str:
    return uscc[:-1] + ("1" if uscc[-1] != "1" else "2")


@pytest.fixture
def without_users(cast) -> Enterprise:
    """A member of the cast's association, registered by it, with no users of its own: its
    staff keep its record and decide claims on it (the cast member has a user, who does)."""
    enterprise = EnterpriseFactory(name="广州顺景五金有限公司")
    MembershipFactory(enterprise=enterprise, association=cast.association)
    return enterprise


# --- staff register members ----------------------------------------------------------------


def test_staff_register_a_new_enterprise_as_an_active_member_of_their_association(cast):
    code = valid_uscc()

    enterprise = enterprise_create_member(
        actor=cast.staff,
        association_id=cast.association.pk,
        member_number="GD-0300",
        **enterprise_fields(uscc=f" {code.lower()} "),
    )

    enterprise.refresh_from_db()
    assert enterprise.uscc == code
    assert enterprise.contact_phone == "+862087654321"
    membership = Membership.objects.get(enterprise=enterprise)
    assert membership.association == cast.association
    assert (membership.status, membership.member_number) == ("active", "GD-0300")
    [change] = history_for(membership)
    assert (change.from_status, change.to_status, change.actor) == ("", "active", cast.staff)


def test_registering_a_credit_code_that_is_already_registered_is_refused(cast):
    before = Enterprise.objects.count(), Membership.objects.count()

    with pytest.raises(DomainError) as refused:
        enterprise_create_member(
            actor=cast.staff,
            association_id=cast.association.pk,
            **enterprise_fields(uscc=cast.other_member.uscc),
        )

    assert refused.value.code == "uscc_taken"
    assert "uscc" in refused.value.fields
    assert (Enterprise.objects.count(), Membership.objects.count()) == before


def test_registering_names_every_field_that_needs_fixing_and_writes_nothing(cast):
    before = Enterprise.objects.count(), Membership.objects.count()

    with pytest.raises(DomainError) as refused:
        enterprise_create_member(
            actor=cast.staff,
            association_id=cast.association.pk,
            **enterprise_fields(
                uscc=wrong_check_character(valid_uscc()),
                contact_phone="12345",
                region=Region.objects.get(code="440000"),
                industry=Industry.objects.get(code="C"),
            ),
        )

    assert set(refused.value.fields) == {"uscc", "contact_phone", "region", "industry"}
    assert "check character" in refused.value.fields["uscc"][0]
    assert (Enterprise.objects.count(), Membership.objects.count()) == before


def test_registering_without_a_name_is_refused(cast):
    before = Enterprise.objects.count()

    with pytest.raises(DomainError) as refused:
        enterprise_create_member(
            actor=cast.staff, association_id=cast.association.pk, **enterprise_fields(name="  ")
        )

    assert "name" in refused.value.fields
    assert Enterprise.objects.count() == before


@pytest.mark.parametrize("who", ["other_staff", "official", "enterprise_user"])
def test_only_staff_of_the_association_may_register_its_members(cast, who):
    before = Enterprise.objects.count()

    with pytest.raises(PermissionDenied):
        enterprise_create_member(
            actor=cast.by_role(who), association_id=cast.association.pk, **enterprise_fields()
        )

    assert Enterprise.objects.count() == before


# --- enterprise users register themselves --------------------------------------------------


def test_an_enterprise_user_registers_their_enterprise_and_asks_to_join(cast):
    enterprise = enterprise_register(
        actor=cast.outsider, association_id=cast.association.pk, **enterprise_fields()
    )

    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise == enterprise
    membership = Membership.objects.get(enterprise=enterprise)
    assert (membership.association, membership.status) == (cast.association, "pending")
    [change] = history_for(membership)
    assert (change.from_status, change.to_status, change.actor) == ("", "pending", cast.outsider)


def test_registering_without_an_association_asks_to_join_nowhere(cast):
    enterprise = enterprise_register(actor=cast.outsider, **enterprise_fields())

    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise == enterprise
    assert not Membership.objects.filter(enterprise=enterprise).exists()


def test_a_user_already_acting_for_an_enterprise_cannot_register_another(cast):
    before = Enterprise.objects.count()

    with pytest.raises(Conflict):
        enterprise_register(actor=cast.enterprise_user, **enterprise_fields())

    cast.enterprise_user.refresh_from_db()
    assert cast.enterprise_user.enterprise == cast.member
    assert Enterprise.objects.count() == before


@pytest.mark.parametrize("who", ["staff", "official", "partner"])
def test_only_enterprise_users_register_their_own_enterprise(cast, who):
    before = Enterprise.objects.count()

    with pytest.raises(PermissionDenied):
        enterprise_register(actor=cast.by_role(who), **enterprise_fields())

    assert Enterprise.objects.count() == before


def test_registering_with_an_unknown_association_writes_nothing(cast):
    before = Enterprise.objects.count()

    with pytest.raises(DomainError) as refused:
        enterprise_register(actor=cast.outsider, association_id=999_999, **enterprise_fields())

    assert "association" in refused.value.fields
    assert Enterprise.objects.count() == before
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise is None


# --- editing --------------------------------------------------------------------------------


def test_an_enterprise_user_edits_their_own_enterprise(cast):
    enterprise_update(
        actor=cast.enterprise_user,
        enterprise_id=cast.member.pk,
        employees=55,
        contact_phone="138 0013 8000",
    )

    cast.member.refresh_from_db()
    assert cast.member.employees == 55
    assert cast.member.contact_phone == "+8613800138000"


def test_staff_edit_a_member_their_association_registered_while_it_has_no_users(
    cast, without_users
):
    enterprise_update(
        actor=cast.staff, enterprise_id=without_users.pk, name="广州顺景五金科技有限公司"
    )

    without_users.refresh_from_db()
    assert without_users.name == "广州顺景五金科技有限公司"


def test_staff_may_not_edit_an_enterprise_that_has_its_own_users(cast):
    with pytest.raises(PermissionDenied):
        enterprise_update(
            actor=cast.staff, enterprise_id=cast.member.pk, name="广州华兴电子科技有限公司"
        )

    cast.member.refresh_from_db()
    assert cast.member.name == "广州华兴电子有限公司"


def test_staff_of_another_association_it_joined_may_not_edit_the_record_they_did_not_register(
    cast, without_users
):
    MembershipFactory(enterprise=without_users, association=cast.other_association)

    with pytest.raises(PermissionDenied):
        enterprise_update(actor=cast.other_staff, enterprise_id=without_users.pk, name="改名")

    without_users.refresh_from_db()
    assert without_users.name == "广州顺景五金有限公司"


@pytest.mark.parametrize("who", ["other_staff", "outsider", "official"])
def test_nobody_else_may_edit_an_enterprise(cast, who):
    with pytest.raises(PermissionDenied):
        enterprise_update(actor=cast.by_role(who), enterprise_id=cast.member.pk, name="改名")

    cast.member.refresh_from_db()
    assert cast.member.name == "广州华兴电子有限公司"


def test_an_enterprise_user_cannot_edit_another_enterprise(cast):
    with pytest.raises(PermissionDenied):
        enterprise_update(actor=cast.enterprise_user, enterprise_id=cast.other_member.pk, name="x")

    cast.other_member.refresh_from_db()
    assert cast.other_member.name == "杭州盛达服装有限公司"


def test_editing_refuses_a_credit_code_that_belongs_to_another_enterprise(cast):
    own_code = cast.member.uscc

    with pytest.raises(DomainError) as refused:
        enterprise_update(
            actor=cast.enterprise_user, enterprise_id=cast.member.pk, uscc=cast.other_member.uscc
        )

    assert refused.value.code == "uscc_taken"
    cast.member.refresh_from_db()
    assert cast.member.uscc == own_code


def test_editing_with_an_invalid_phone_changes_nothing(cast):
    with pytest.raises(DomainError) as refused:
        enterprise_update(
            actor=cast.enterprise_user,
            enterprise_id=cast.member.pk,
            employees=99,
            contact_phone="15412345678",
        )

    assert "contact_phone" in refused.value.fields
    cast.member.refresh_from_db()
    assert (cast.member.employees, cast.member.contact_phone) == (40, "13800138000")


# --- claims ---------------------------------------------------------------------------------


def test_an_enterprise_user_claims_a_registered_enterprise_by_its_credit_code(cast):
    claim = claim_request(
        actor=cast.outsider, uscc=cast.member.uscc.lower(), note="我是该公司行政负责人"
    )

    assert claim.enterprise == cast.member
    assert claim.status == EnterpriseClaim.Status.PENDING
    [change] = history_for(claim)
    assert (change.from_status, change.to_status) == ("", "pending")
    assert (change.actor, change.reason) == (cast.outsider, "我是该公司行政负责人")
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise is None


def test_claiming_a_credit_code_nobody_registered_is_refused(cast):
    with pytest.raises(DomainError) as refused:
        claim_request(actor=cast.outsider, uscc=valid_uscc())

    assert "register it instead" in refused.value.fields["uscc"][0]
    assert not EnterpriseClaim.objects.exists()


def test_claiming_with_a_mistyped_credit_code_is_refused(cast):
    with pytest.raises(DomainError) as refused:
        claim_request(actor=cast.outsider, uscc=wrong_check_character(cast.member.uscc))

    assert "check character" in refused.value.fields["uscc"][0]
    assert not EnterpriseClaim.objects.exists()


def test_claiming_the_same_enterprise_twice_while_waiting_is_a_conflict(cast):
    claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    with pytest.raises(Conflict):
        claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    assert EnterpriseClaim.objects.count() == 1


def test_a_user_already_acting_for_an_enterprise_cannot_claim_another(cast):
    with pytest.raises(Conflict):
        claim_request(actor=cast.enterprise_user, uscc=cast.other_member.uscc)

    assert not EnterpriseClaim.objects.exists()


@pytest.mark.parametrize("who", ["staff", "official"])
def test_only_enterprise_users_claim_enterprises(cast, who):
    with pytest.raises(PermissionDenied):
        claim_request(actor=cast.by_role(who), uscc=cast.member.uscc)

    assert not EnterpriseClaim.objects.exists()


def test_staff_of_its_association_approve_a_claim_on_a_member_without_users(cast, without_users):
    claim = claim_request(actor=cast.outsider, uscc=without_users.uscc)

    claim_approve(actor=cast.staff, claim_id=claim.pk)

    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.APPROVED
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise == without_users
    assert [(c.from_status, c.to_status, c.actor) for c in history_for(claim)] == [
        ("", "pending", cast.outsider),
        ("pending", "approved", cast.staff),
    ]


def test_the_enterprise_s_own_user_approves_a_claim_on_it_and_the_claimant_acts_for_it(cast):
    claim = claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    claim_approve(actor=cast.enterprise_user, claim_id=claim.pk)

    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.APPROVED
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise == cast.member
    assert [(c.from_status, c.to_status, c.actor) for c in history_for(claim)] == [
        ("", "pending", cast.outsider),
        ("pending", "approved", cast.enterprise_user),
    ]


@pytest.mark.parametrize("who", ["staff", "manager", "other_staff", "partner", "official"])
def test_staff_do_not_decide_a_claim_on_an_enterprise_that_has_its_own_users(cast, who):
    claim = claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    with pytest.raises(PermissionDenied):
        claim_approve(actor=cast.by_role(who), claim_id=claim.pk)
    with pytest.raises(PermissionDenied):
        claim_reject(actor=cast.by_role(who), claim_id=claim.pk, reason="不认识")

    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise is None


@pytest.mark.parametrize("who", ["other_staff", "partner", "enterprise_user"])
def test_nobody_outside_the_members_associations_decides_a_claim(cast, who, without_users):
    claim = claim_request(actor=cast.outsider, uscc=without_users.uscc)

    with pytest.raises(PermissionDenied):
        claim_approve(actor=cast.by_role(who), claim_id=claim.pk)
    with pytest.raises(PermissionDenied):
        claim_reject(actor=cast.by_role(who), claim_id=claim.pk, reason="不认识")

    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise is None


def test_a_claim_already_rejected_cannot_be_approved(cast, without_users):
    claim = claim_request(actor=cast.outsider, uscc=without_users.uscc)
    claim_reject(actor=cast.staff, claim_id=claim.pk, reason="无法核实身份")

    with pytest.raises(TransitionNotAllowed) as refused:
        claim_approve(actor=cast.manager, claim_id=claim.pk)

    assert refused.value.extra["current_status"] == "rejected"
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise is None


def test_approving_is_refused_when_the_claimant_meanwhile_acts_for_another_enterprise(cast):
    claim = claim_request(actor=cast.outsider, uscc=cast.member.uscc)
    own = enterprise_register(actor=cast.outsider, **enterprise_fields())

    with pytest.raises(Conflict):
        claim_approve(actor=cast.enterprise_user, claim_id=claim.pk)

    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise == own


@pytest.mark.parametrize("reason", ["", "  "])
def test_rejecting_a_claim_needs_a_reason(cast, reason):
    claim = claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    with pytest.raises(DomainError) as refused:
        claim_reject(actor=cast.enterprise_user, claim_id=claim.pk, reason=reason)

    assert "reason" in refused.value.fields
    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.PENDING


def test_a_rejected_claim_keeps_why_and_the_user_may_ask_again(cast):
    claim = claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    claim_reject(actor=cast.enterprise_user, claim_id=claim.pk, reason="请上传授权书")

    claim.refresh_from_db()
    assert claim.status == EnterpriseClaim.Status.REJECTED
    assert history_for(claim).last().reason == "请上传授权书"
    cast.outsider.refresh_from_db()
    assert cast.outsider.enterprise is None
    again = claim_request(actor=cast.outsider, uscc=cast.member.uscc)
    assert again.status == EnterpriseClaim.Status.PENDING


def test_an_admin_may_decide_a_claim_on_an_enterprise_of_no_association(cast):
    loner = EnterpriseFactory()
    claimant = UserFactory()
    claim = claim_request(actor=claimant, uscc=loner.uscc)

    with pytest.raises(PermissionDenied):
        claim_approve(actor=cast.staff, claim_id=claim.pk)
    claim_approve(actor=cast.admin, claim_id=claim.pk)

    claimant.refresh_from_db()
    assert claimant.enterprise == loner


def test_an_approved_claim_shows_in_the_enterprise_s_history(cast):
    claim = claim_request(actor=cast.outsider, uscc=cast.member.uscc)

    claim_approve(actor=cast.enterprise_user, claim_id=claim.pk)

    linked = history_for(cast.member).filter(action="enterprise.user_linked").get()
    assert (linked.actor, linked.reason) == (cast.enterprise_user, cast.outsider.username)
