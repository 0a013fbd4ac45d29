"""Who may do what to associations, their staff and memberships.

The role table's rows for this app, and the object rules beside them: the services call the
rules before they write, the pages render their buttons from `allowed_actions` and the API
returns it on a membership's detail, so the three cannot disagree.
"""

from core.access import EVERYONE, MANAGER, STAFF_SIDE, allowed, can, is_admin, register, scope_of
from core.models import Role
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
    """The association's side records that a membership ends; the enterprise itself may leave
    (or withdraw its request)."""
    scope = scope_of(user)
    return can(user, "membership.leave") and (
        scope.works_for(membership.association_id) or scope.owns(membership.enterprise_id)
    )


def allowed_actions(user, membership) -> list[str]:
    """The decisions `user` may take on `membership` now, by the API's action names."""
    Status = type(membership).Status
    decides = may_decide_membership(user, membership)
    status = membership.status
    return allowed(
        {
            "approve": decides and status == Status.PENDING and may_move(membership, Status.ACTIVE),
            "reject": decides and may_move(membership, Status.REJECTED),
            "suspend": decides and may_move(membership, Status.SUSPENDED),
            "reinstate": decides
            and status == Status.SUSPENDED
            and may_move(membership, Status.ACTIVE),
            "leave": may_leave(user, membership) and may_move(membership, Status.LEFT),
        }
    )
