"""Who may do what to associations, their staff and memberships.

The role table's rows for this app, and the object rules beside them: the services call the
rules before they write, the pages render their buttons from `allowed_actions` and the API
returns it on a membership's detail, so the three cannot disagree.
"""

from associations.models import Membership
from core.access import (
    EVERYONE,
    MANAGER,
    STAFF_SIDE,
    allowed,
    can,
    is_admin,
    register,
    scope_of,
)
from core.models import Role, own_users_of
from core.workflow import may_move

register(
    {
        # associations: a directory everyone reads; admins create, managers edit their own
        "association.view": EVERYONE,
        "association.create": frozenset({Role.ADMIN}),
        "association.edit": frozenset({MANAGER, Role.ADMIN}),
        "association.invite_staff": frozenset({MANAGER, Role.ADMIN}),
        # memberships: staff add and decide; an enterprise asks to join and may leave
        "membership.view": EVERYONE,
        "membership.create": STAFF_SIDE | {Role.ENTERPRISE},
        "membership.decide": STAFF_SIDE,
        "membership.leave": STAFF_SIDE | {Role.ENTERPRISE},
        "membership.request": frozenset({Role.ENTERPRISE}),
        # an invitation is answered by the enterprise, or by the association keeping its record
        "membership.answer": STAFF_SIDE | {Role.ENTERPRISE},
        # managers invite a member's contact to the enterprise's own account (0007)
        "membership.invite_contact": frozenset({MANAGER, Role.ADMIN}),
    }
)


# --- associations -------------------------------------------------------------------------


def may_create_association(user) -> bool:
    return is_admin(user)


def may_edit_association(user, association_id: int) -> bool:
    """Its managers (and admins) edit an association; its other staff do not."""
    return can(user, "association.edit") and scope_of(user).manages(association_id)


def may_invite_staff(user, association_id: int) -> bool:
    return can(user, "association.invite_staff") and scope_of(user).manages(association_id)


def association_actions(user, association) -> list[str]:
    """What the association's page offers `user`: "edit", "invite"."""
    return allowed(
        {
            "edit": may_edit_association(user, association.pk),
            "invite": may_invite_staff(user, association.pk),
        }
    )


# --- who answers for an enterprise --------------------------------------------------------


def has_own_users(enterprise_id: int) -> bool:
    """The enterprise has active users of its own: they, and nobody else, answer for it. A
    contact invited by the association (`contact_invite`) counts once they have set their
    password; until then the association still keeps the record."""
    return own_users_of(enterprise_id).exists()


def record_keeper(enterprise) -> int | None:
    """The association that answers for an enterprise with no users of its own: the one whose
    staff registered it. None once the enterprise has users (they answer for it), or when an
    enterprise user registered it (docs/decisions/0004-who-changes-an-enterprise.md)."""
    if not enterprise.registered_by_id or has_own_users(enterprise.pk):
        return None
    return enterprise.registered_by_id


def keeps_record(user, enterprise) -> bool:
    """`user` works for the association that keeps the enterprise's record and the enterprise
    is still its member: its staff change the shared record."""
    keeper = record_keeper(enterprise)
    return (
        keeper is not None
        and keeper in scope_of(user).association_ids
        and Membership.objects.filter(
            enterprise_id=enterprise.pk, association_id=keeper, status__in=Membership.MEMBER
        ).exists()
    )


def is_member_of_mine(user, enterprise_id: int) -> bool:
    """The enterprise is an (active or suspended) member of an association `user` works for."""
    ids = scope_of(user).association_ids
    return bool(ids) and (
        Membership.objects.filter(
            enterprise_id=enterprise_id, association_id__in=ids, status__in=Membership.MEMBER
        ).exists()
    )


# --- memberships --------------------------------------------------------------------------


def may_add_member(user, association_id: int) -> bool:
    """Staff (or a partner bound to the association, or an admin) add enterprises as members."""
    return can(user, "membership.create") and scope_of(user).works_for(association_id)


def may_ask_to_join(user) -> bool:
    """An enterprise user asks for their own enterprise to join an association."""
    return can(user, "membership.request") and scope_of(user).is_enterprise


def may_decide_membership(user, membership) -> bool:
    """Approve, reject, suspend, reinstate, change the member number: the association's side."""
    return can(user, "membership.decide") and scope_of(user).works_for(membership.association_id)


def may_leave(user, membership) -> bool:
    """The association's side records that a membership ends (or withdraws its invitation);
    the enterprise itself may leave (or withdraw its request; an invitation it declines)."""
    scope = scope_of(user)
    invited = membership.status == Membership.Status.INVITED
    return can(user, "membership.leave") and (
        scope.works_for(membership.association_id)
        or (scope.owns(membership.enterprise_id) and not invited)
    )


def may_answer_invitation(user, membership) -> bool:
    """Accept or decline an association's invitation: the enterprise's own users, or — while it
    has none — staff of the association that registered it (not the inviter itself)."""
    if not can(user, "membership.answer"):
        return False
    scope = scope_of(user)
    if scope.is_admin or scope.owns(membership.enterprise_id):
        return True
    if scope.is_enterprise:
        return False
    keeper = record_keeper(membership.enterprise)
    return (
        keeper is not None
        and keeper != membership.association_id
        and keeper in (scope.association_ids)
    )


def may_invite_contact(user, membership) -> bool:
    """Give a member's contact person an account of the enterprise: managers of the association
    that keeps the record of an enterprise with no users of its own, while it is a member
    (docs/decisions/0004, 0007); the link to set the password goes to the recorded mobile
    number. Managers, not all staff: whoever sets that number and sends the link hands the
    enterprise to its holder."""
    return (
        can(user, "membership.invite_contact")
        and membership.status in Membership.MEMBER
        and scope_of(user).manages(membership.association_id)
        and record_keeper(membership.enterprise) == membership.association_id
    )


def allowed_actions(user, membership) -> list[str]:
    """The decisions `user` may take on `membership` now, by the API's action names."""
    Status = type(membership).Status
    decides = may_decide_membership(user, membership)
    status = membership.status
    answers = status == Status.INVITED and may_answer_invitation(user, membership)
    return allowed(
        {
            "accept": answers,
            "decline": answers,
            "approve": decides and status == Status.PENDING and may_move(membership, Status.ACTIVE),
            "reject": decides and may_move(membership, Status.REJECTED),
            "suspend": decides and may_move(membership, Status.SUSPENDED),
            "reinstate": decides
            and status == Status.SUSPENDED
            and may_move(membership, Status.ACTIVE),
            "leave": may_leave(user, membership) and may_move(membership, Status.LEFT),
        }
    )
