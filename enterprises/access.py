"""Who may do what to enterprises and the claims to act for them.

The role table's rows for this app, and the object rules beside them: the services call the
rules before they write, the pages render their buttons from `allowed_actions` and the API
returns it on a claim's detail.
"""

from associations.access import has_own_users, is_member_of_mine, keeps_record
from core.access import EVERYONE, MANAGER, STAFF_SIDE, allowed, can, has_role, register, scope_of
from core.models import Role
from core.workflow import may_move
from enterprises.models import Enterprise, EnterpriseClaim

register(
    {
        # enterprises: staff register members, an enterprise user registers or claims their own
        "enterprise.view": EVERYONE,
        "enterprise.create": STAFF_SIDE | {Role.ENTERPRISE},
        "enterprise.edit": STAFF_SIDE | {Role.ENTERPRISE},
        "enterprise.claim": frozenset({Role.ENTERPRISE}),
        "claim.view": frozenset({Role.ENTERPRISE, Role.STAFF, MANAGER, Role.ADMIN}),
        # decided by the enterprise's own users, else by its associations' staff
        "claim.decide": frozenset({Role.ENTERPRISE, Role.STAFF, MANAGER, Role.ADMIN}),
    }
)


# --- enterprises --------------------------------------------------------------------------


def acts_for_an_enterprise(user) -> bool:
    """An enterprise user: registers or claims their own enterprise (one at most)."""
    return can(user, "enterprise.claim") and scope_of(user).is_enterprise


def may_see_contact_details(user) -> bool:
    """The phone numbers of an enterprise's people are for those who act for it or for an
    association it belongs to: its own users, staff and partners bound to its associations, and
    admins. Never a reader bound to a jurisdiction, whatever its role (officials, partner
    systems of a government): they read the enterprises of a region, not its people's phones.

    Decided by the user's scope alone, because the enterprises those readers see are only
    theirs (`selectors.enterprise_list`)."""
    return scope_of(user).kind in ("admin", "enterprise", "associations")


def may_read_history(user, enterprise: Enterprise) -> bool:
    """Who changed what and when, with old values: those who may edit the enterprise, staff of
    an association it is a member of, and officials of its region (without the phone numbers).
    Not staff of an association it has only asked to join or been invited to."""
    if may_edit(user, enterprise):
        return True
    if has_role(user, Role.OFFICIAL):
        return scope_of(user).within_jurisdiction(enterprise.region.path)
    return not scope_of(user).is_enterprise and is_member_of_mine(user, enterprise.pk)


def may_edit(user, enterprise: Enterprise) -> bool:
    """The shared record is changed by the enterprise's own users, or — while it has none — by
    staff of the association that registered it, while it is still its member (and by admins).
    Other associations it is a member of read it; they do not rewrite it."""
    if not can(user, "enterprise.edit"):
        return False
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if scope.is_enterprise:
        return scope.owns(enterprise.pk)
    return keeps_record(user, enterprise)


def enterprise_actions(user, enterprise: Enterprise) -> list[str]:
    """What the enterprise's page offers `user`: "edit"."""
    return allowed({"edit": may_edit(user, enterprise)})


# --- claims -------------------------------------------------------------------------------


def may_decide_claim(user, claim: EnterpriseClaim) -> bool:
    """Those who already answer for the enterprise: its own users if it has any; else staff of
    an association it is a member of (never an association it is not a member of); admins."""
    if not can(user, "claim.decide") or claim.user_id == user.pk:
        return False
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if has_own_users(claim.enterprise_id):
        return scope.owns(claim.enterprise_id)
    return not scope.is_enterprise and is_member_of_mine(user, claim.enterprise_id)


def claim_actions(user, claim: EnterpriseClaim) -> list[str]:
    """The decisions `user` may take on `claim` now: "approve", "reject"."""
    Status = EnterpriseClaim.Status
    moves = {"approve": Status.APPROVED, "reject": Status.REJECTED}
    if not any(may_move(claim, to) for to in moves.values()):
        return []  # decided already (and the rule below costs a query)
    decides = may_decide_claim(user, claim)
    return allowed({name: decides and may_move(claim, to) for name, to in moves.items()})


def allowed_actions(user, obj) -> list[str]:
    """What `user` may do to an enterprise or a claim now."""
    if isinstance(obj, EnterpriseClaim):
        return claim_actions(user, obj)
    return enterprise_actions(user, obj)
