"""Membership workflow, staff invitations and association details, as services."""

import re
from datetime import date

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from associations.models import AssociationUser, Membership
from associations.services import (
    association_update,
    membership_add,
    membership_approve,
    membership_leave,
    membership_reinstate,
    membership_reject,
    membership_request,
    membership_suspend,
    membership_update,
    staff_invite,
)
from core.errors import Conflict, DomainError, TransitionNotAllowed
from core.models import Industry, Role, User
from core.workflow import history_for
from tests.factories import EnterpriseFactory, MembershipFactory

Status = Membership.Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def steps(membership: Membership) -> list[tuple[str, str]]:
    return [(change.from_status, change.to_status) for change in history_for(membership)]


def membership_of(cast, enterprise=None) -> Membership:
    return Membership.objects.get(
        association=cast.association, enterprise=enterprise or cast.member
    )


# --- adding members -----------------------------------------------------------------------


def test_staff_add_an_enterprise_they_registered_as_an_active_member_and_the_step_is_kept(cast):
    # Registered by the staff's own association and with no users of its own: active at once
    # (one registered elsewhere is only invited).
    enterprise = EnterpriseFactory(registered_by=cast.association)

    membership = membership_add(
        actor=cast.staff,
        association_id=cast.association.pk,
        enterprise_id=enterprise.pk,
        member_number="GD-0042",
    )

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.member_number == "GD-0042"
    assert membership.joined_on == timezone.localdate()
    [change] = history_for(membership)
    assert (change.from_status, change.to_status, change.actor) == ("", "active", cast.staff)


def test_adding_a_current_member_again_is_a_conflict_naming_its_status(cast):
    existing = membership_of(cast)

    with pytest.raises(Conflict) as refused:
        membership_add(
            actor=cast.staff, association_id=cast.association.pk, enterprise_id=cast.member.pk
        )

    assert refused.value.extra["current_status"] == "active"
    assert "already a member" in refused.value.message
    assert Membership.objects.filter(enterprise=cast.member).count() == 1
    assert not history_for(existing).exists()


def test_staff_of_another_association_cannot_add_members_to_this_one(cast):
    enterprise = EnterpriseFactory()

    with pytest.raises(PermissionDenied):
        membership_add(
            actor=cast.other_staff,
            association_id=cast.association.pk,
            enterprise_id=enterprise.pk,
        )

    assert not Membership.objects.filter(enterprise=enterprise).exists()


def test_adding_an_enterprise_that_left_readmits_it_and_keeps_both_steps(cast):
    membership = MembershipFactory(
        association=cast.association,
        status=Status.LEFT,
        joined_on=date(2019, 5, 1),
        left_on=date(2020, 2, 1),
        member_number="GD-0007",
    )

    membership_add(
        actor=cast.staff,
        association_id=cast.association.pk,
        enterprise_id=membership.enterprise_id,
    )

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.left_on is None
    assert membership.member_number == "GD-0007"
    assert steps(membership) == [("left", "pending"), ("pending", "active")]
    assert Membership.objects.filter(enterprise_id=membership.enterprise_id).count() == 1


def test_adding_an_enterprise_that_asked_to_join_activates_its_request(cast):
    membership = MembershipFactory(association=cast.association, status=Status.PENDING)

    membership_add(
        actor=cast.staff,
        association_id=cast.association.pk,
        enterprise_id=membership.enterprise_id,
        member_number="GD-0100",
    )

    membership.refresh_from_db()
    assert (membership.status, membership.member_number) == (Status.ACTIVE, "GD-0100")
    assert steps(membership) == [("pending", "active")]


# --- asking to join -----------------------------------------------------------------------


def test_enterprise_user_asks_to_join_and_the_request_waits_for_staff(cast):
    membership = membership_request(
        actor=cast.enterprise_user,
        association_id=cast.other_association.pk,
        note="我们也做服装配件",
    )

    membership.refresh_from_db()
    assert membership.status == Status.PENDING
    assert membership.enterprise == cast.member
    assert membership.joined_on is None
    [change] = history_for(membership)
    assert (change.from_status, change.to_status) == ("", "pending")
    assert (change.actor, change.reason) == (cast.enterprise_user, "我们也做服装配件")


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_only_a_user_acting_for_an_enterprise_may_ask_to_join(cast, who):
    before = Membership.objects.count()

    with pytest.raises(DomainError) as refused:
        membership_request(actor=cast.by_role(who), association_id=cast.other_association.pk)

    assert "Register or claim your enterprise first" in refused.value.message
    assert Membership.objects.count() == before


def test_asking_to_join_an_association_that_does_not_exist_is_refused(cast):
    before = Membership.objects.count()

    with pytest.raises(DomainError) as refused:
        membership_request(actor=cast.enterprise_user, association_id=999_999)

    assert "association" in refused.value.fields
    assert Membership.objects.count() == before


def test_asking_to_join_where_already_a_member_is_a_conflict(cast):
    with pytest.raises(Conflict) as refused:
        membership_request(actor=cast.enterprise_user, association_id=cast.association.pk)

    assert refused.value.extra["current_status"] == "active"
    assert not history_for(membership_of(cast)).exists()


def test_a_rejected_enterprise_may_ask_again(cast):
    membership = membership_request(
        actor=cast.enterprise_user, association_id=cast.other_association.pk
    )
    membership_reject(actor=cast.other_staff, membership_id=membership.pk, reason="材料不全")

    again = membership_request(
        actor=cast.enterprise_user, association_id=cast.other_association.pk, note="已补材料"
    )

    assert again.pk == membership.pk
    again.refresh_from_db()
    assert again.status == Status.PENDING
    assert steps(again) == [("", "pending"), ("pending", "rejected"), ("rejected", "pending")]
    assert history_for(again).last().reason == "已补材料"


# --- deciding requests --------------------------------------------------------------------


def test_staff_approve_a_request_and_the_enterprise_becomes_an_active_member(cast):
    membership = MembershipFactory(association=cast.association, status=Status.PENDING)

    membership_approve(actor=cast.staff, membership_id=membership.pk, member_number="GD-0200")

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.member_number == "GD-0200"
    assert membership.joined_on == timezone.localdate()
    [change] = history_for(membership)
    assert (change.from_status, change.to_status, change.actor) == (
        "pending",
        "active",
        cast.staff,
    )


def test_approve_refuses_a_membership_that_is_not_waiting(cast):
    membership = membership_of(cast)

    with pytest.raises(TransitionNotAllowed) as refused:
        membership_approve(actor=cast.staff, membership_id=membership.pk)

    assert refused.value.extra["current_status"] == "active"
    assert refused.value.http_status == 409
    assert not history_for(membership).exists()


def test_staff_of_another_association_cannot_approve_a_request(cast):
    membership = MembershipFactory(association=cast.association, status=Status.PENDING)

    with pytest.raises(PermissionDenied):
        membership_approve(actor=cast.other_staff, membership_id=membership.pk)

    membership.refresh_from_db()
    assert membership.status == Status.PENDING
    assert not history_for(membership).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_a_reason_the_enterprise_can_read(cast, reason):
    membership = MembershipFactory(association=cast.association, status=Status.PENDING)

    with pytest.raises(DomainError) as refused:
        membership_reject(actor=cast.staff, membership_id=membership.pk, reason=reason)

    assert "reason" in refused.value.fields
    membership.refresh_from_db()
    assert membership.status == Status.PENDING
    assert not history_for(membership).exists()


def test_reject_keeps_who_rejected_and_why(cast):
    membership = MembershipFactory(association=cast.association, status=Status.PENDING)

    membership_reject(actor=cast.manager, membership_id=membership.pk, reason=" 不在本会行业范围 ")

    membership.refresh_from_db()
    assert membership.status == Status.REJECTED
    [change] = history_for(membership)
    assert (change.from_status, change.to_status) == ("pending", "rejected")
    assert (change.actor, change.reason) == (cast.manager, "不在本会行业范围")


def test_reject_refuses_a_member_that_is_already_active(cast):
    membership = membership_of(cast)

    with pytest.raises(TransitionNotAllowed) as refused:
        membership_reject(actor=cast.staff, membership_id=membership.pk, reason="误操作")

    assert refused.value.extra["current_status"] == "active"
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


# --- suspending and reinstating ------------------------------------------------------------


def test_suspend_needs_a_reason(cast):
    membership = membership_of(cast)

    with pytest.raises(DomainError) as refused:
        membership_suspend(actor=cast.staff, membership_id=membership.pk, reason="")

    assert "reason" in refused.value.fields
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE


def test_suspend_an_active_member_keeps_who_and_why(cast):
    membership = membership_of(cast)

    membership_suspend(actor=cast.staff, membership_id=membership.pk, reason="会费逾期")

    membership.refresh_from_db()
    assert membership.status == Status.SUSPENDED
    [change] = history_for(membership)
    assert (change.from_status, change.to_status) == ("active", "suspended")
    assert (change.actor, change.reason) == (cast.staff, "会费逾期")


def test_suspend_refuses_a_request_that_was_never_approved(cast):
    membership = MembershipFactory(association=cast.association, status=Status.PENDING)

    with pytest.raises(TransitionNotAllowed) as refused:
        membership_suspend(actor=cast.staff, membership_id=membership.pk, reason="会费逾期")

    assert refused.value.extra["current_status"] == "pending"


def test_reinstating_a_suspended_member_keeps_its_joining_date_and_number(cast):
    membership = MembershipFactory(
        association=cast.association,
        status=Status.SUSPENDED,
        joined_on=date(2018, 3, 1),
        member_number="GD-0003",
    )

    membership_reinstate(actor=cast.staff, membership_id=membership.pk, reason="已缴清会费")

    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE
    assert membership.joined_on == date(2018, 3, 1)
    assert membership.member_number == "GD-0003"
    [change] = history_for(membership)
    assert (change.from_status, change.to_status, change.reason) == (
        "suspended",
        "active",
        "已缴清会费",
    )


def test_reinstate_refuses_a_member_that_is_not_suspended(cast):
    membership = membership_of(cast)

    with pytest.raises(TransitionNotAllowed) as refused:
        membership_reinstate(actor=cast.staff, membership_id=membership.pk)

    assert refused.value.extra["current_status"] == "active"
    assert not history_for(membership).exists()


def test_staff_of_another_association_cannot_suspend_or_reinstate(cast):
    membership = membership_of(cast)

    with pytest.raises(PermissionDenied):
        membership_suspend(actor=cast.other_staff, membership_id=membership.pk, reason="x")
    membership.status = Status.SUSPENDED
    membership.save()
    with pytest.raises(PermissionDenied):
        membership_reinstate(actor=cast.other_staff, membership_id=membership.pk)

    assert not history_for(membership).exists()


# --- leaving --------------------------------------------------------------------------------


def test_an_enterprise_user_may_leave_an_association_on_their_own(cast):
    membership = membership_of(cast)

    membership_leave(actor=cast.enterprise_user, membership_id=membership.pk, reason="业务调整")

    membership.refresh_from_db()
    assert membership.status == Status.LEFT
    assert membership.left_on == timezone.localdate()
    [change] = history_for(membership)
    assert (change.from_status, change.to_status) == ("active", "left")
    assert (change.actor, change.reason) == (cast.enterprise_user, "业务调整")


def test_an_enterprise_user_cannot_end_another_enterprises_membership(cast):
    membership = Membership.objects.get(enterprise=cast.other_member)

    with pytest.raises(PermissionDenied):
        membership_leave(actor=cast.enterprise_user, membership_id=membership.pk)

    membership.refresh_from_db()
    assert (membership.status, membership.left_on) == (Status.ACTIVE, None)


def test_staff_record_that_a_suspended_member_left(cast):
    membership = MembershipFactory(association=cast.association, status=Status.SUSPENDED)

    membership_leave(actor=cast.staff, membership_id=membership.pk, reason="企业注销")

    membership.refresh_from_db()
    assert membership.status == Status.LEFT
    assert steps(membership) == [("suspended", "left")]


def test_leaving_twice_is_refused_and_the_first_date_stays(cast):
    membership = MembershipFactory(
        association=cast.association, status=Status.LEFT, left_on=date(2020, 2, 1)
    )

    with pytest.raises(TransitionNotAllowed) as refused:
        membership_leave(actor=cast.staff, membership_id=membership.pk)

    assert refused.value.extra["current_status"] == "left"
    membership.refresh_from_db()
    assert membership.left_on == date(2020, 2, 1)


# --- member numbers ------------------------------------------------------------------------


def test_staff_change_a_member_number_without_touching_the_status(cast):
    membership = membership_of(cast)

    membership_update(actor=cast.staff, membership_id=membership.pk, member_number="  GD-0555 ")

    membership.refresh_from_db()
    assert (membership.member_number, membership.status) == ("GD-0555", Status.ACTIVE)
    # The history tells the renumbering, old and new, without a status change.
    [event] = history_for(membership)
    assert (event.action, event.from_status, event.to_status) == ("membership.updated", "", "")
    assert (event.actor, event.changes) == (cast.staff, {"member_number": ["", "GD-0555"]})


def test_giving_the_same_member_number_again_adds_nothing_to_the_history(cast):
    membership = membership_of(cast)
    membership_update(actor=cast.staff, membership_id=membership.pk, member_number="GD-0555")

    membership_update(actor=cast.staff, membership_id=membership.pk, member_number="GD-0555 ")

    assert history_for(membership).count() == 1


def test_staff_of_another_association_cannot_change_a_member_number(cast):
    membership = membership_of(cast)

    with pytest.raises(PermissionDenied):
        membership_update(actor=cast.other_staff, membership_id=membership.pk, member_number="X")

    membership.refresh_from_db()
    assert membership.member_number == ""


# --- inviting staff ------------------------------------------------------------------------


@pytest.fixture
def mailoutbox(mailoutbox, monkeypatch):
    """The outbox, with the invitation's e-mail task run here and now (after the commit, as a
    worker would) instead of queued to Celery."""
    from core.tasks import send_password_link

    monkeypatch.setattr(send_password_link, "delay", lambda **email: send_password_link(**email))
    return mailoutbox


def invite(cast, **overrides) -> User:
    arguments = {
        "actor": cast.manager,
        "association_id": cast.association.pk,
        "username": "liwei",
        "email": "liwei@example.org",
        "first_name": "李伟",
        "base_url": "https://portal.example.org",
    }
    return staff_invite(**(arguments | overrides))


def test_a_manager_invites_staff_who_get_an_email_with_a_link_to_set_their_password(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        user = invite(cast)

    user.refresh_from_db()
    assert user.role == Role.STAFF
    assert not user.has_usable_password()
    assert user.association_ids == frozenset({cast.association.pk})
    assert not user.is_manager
    [mail] = mailoutbox
    assert mail.to == ["liwei@example.org"]
    assert "liwei" in mail.body
    assert cast.association.name in mail.body
    link = re.search(r"https://portal\.example\.org/\S+", mail.body)
    assert link is not None
    token = link.group(0).rstrip("/").rsplit("/", 1)[-1]
    assert default_token_generator.check_token(user, token)


def test_the_invitation_email_waits_until_the_account_is_saved(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        invite(cast)

        assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_manager_may_invite_another_manager(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = invite(cast, is_manager=True)

    assert AssociationUser.objects.get(user=user, association=cast.association).is_manager


@pytest.mark.parametrize("who", ["staff", "other_staff", "enterprise_user"])
def test_only_a_manager_of_the_association_may_invite_staff(
    cast, who, django_capture_on_commit_callbacks, mailoutbox
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(PermissionDenied),
    ):
        invite(cast, actor=cast.by_role(who))

    assert not User.objects.filter(username="liwei").exists()
    assert mailoutbox == []


def test_inviting_with_a_taken_username_is_refused_and_sends_nothing(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        invite(cast, username="staff")

    assert "username" in refused.value.fields
    assert mailoutbox == []
    assert not AssociationUser.objects.filter(user__email="liwei@example.org").exists()


@pytest.mark.parametrize("email", ["", "not-an-address"])
def test_inviting_without_a_valid_email_address_is_refused(
    cast, email, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError) as refused:
        invite(cast, email=email)

    assert "email" in refused.value.fields
    assert not User.objects.filter(username="liwei").exists()
    assert mailoutbox == []


# --- association details -------------------------------------------------------------------


def test_a_manager_updates_the_association_details_and_industries(cast):
    association_update(
        actor=cast.manager,
        association_id=cast.association.pk,
        name="广东省电子信息行业协会",
        contact_phone="020-87654321",
        industries=list(Industry.objects.filter(code__in=["39", "18"])),
    )

    cast.association.refresh_from_db()
    assert cast.association.name == "广东省电子信息行业协会"
    assert cast.association.contact_phone == "+862087654321"
    assert set(cast.association.industries.values_list("code", flat=True)) == {"39", "18"}


@pytest.mark.parametrize("who", ["staff", "other_staff", "partner", "official"])
def test_only_a_manager_of_the_association_may_change_its_details(cast, who):
    with pytest.raises(PermissionDenied):
        association_update(actor=cast.by_role(who), association_id=cast.association.pk, name="改名")

    cast.association.refresh_from_db()
    assert cast.association.name == "广东省电子行业协会"


def test_association_update_refuses_an_invalid_phone_and_keeps_the_old_details(cast):
    with pytest.raises(DomainError) as refused:
        association_update(
            actor=cast.manager,
            association_id=cast.association.pk,
            name="新名称",
            contact_phone="12345",
        )

    assert "contact_phone" in refused.value.fields
    cast.association.refresh_from_db()
    assert cast.association.name == "广东省电子行业协会"


@pytest.mark.django_db
def test_a_too_long_member_number_is_refused_with_a_message(cast):
    from associations.services import membership_approve

    membership = MembershipFactory(association=cast.association, status="pending")
    with pytest.raises(DomainError) as refused:
        membership_approve(actor=cast.staff, membership_id=membership.pk, member_number="M" * 33)
    assert "member_number" in refused.value.fields
    membership.refresh_from_db()
    assert membership.status == "pending"
