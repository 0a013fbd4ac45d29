"""Who may do what to enterprises and the claims to act for them.

The role table's rows for this app, and the object rules beside them: the services call the
rules before they write, the pages render their buttons from `allowed_actions` and the API
returns it on a claim's detail.
"""

from associations.models import Membership
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
        "claim.decide": frozenset({Role.STAFF, MANAGER, Role.ADMIN}),
    }
)


# --- enterprises --------------------------------------------------------------------------


def acts_for_an_enterprise(user) -> bool:
    """An enterprise user: registers or claims their own enterprise (one at most)."""
    return can(user, "enterprise.claim") and scope_of(user).is_enterprise


def may_see_contact_details(user) -> bool:
    """Officials read enterprises, but never their people's phone numbers."""
    return not has_role(user, Role.OFFICIAL)


def may_read_history(user, enterprise: Enterprise) -> bool:
    """Who changed what and when, with old values: those who may edit the enterprise (its own
    users, staff of an association it is a member of, admins), and officials of its region
    (without the phone numbers). Not staff of an association it has only asked to join."""
    return may_edit(user, enterprise) or (
        has_role(user, Role.OFFICIAL) and scope_of(user).within_jurisdiction(enterprise.region.path)
    )


def may_edit(user, enterprise: Enterprise) -> bool:
    """Its own enterprise user, staff of an association it is a member of (not one it left or
    that refused it), or an admin."""
    if not can(user, "enterprise.edit"):
        return False
    scope = scope_of(user)
    if scope.is_admin:
        return True
    if scope.is_enterprise:
        return scope.owns(enterprise.pk)
    return bool(scope.association_ids) and (
        Membership.objects.filter(
            enterprise_id=enterprise.pk,
            association_id__in=scope.association_ids,
            status__in=Membership.MEMBER,
        ).exists()
    )


def enterprise_actions(user, enterprise: Enterprise) -> list[str]:
    """What the enterprise's page offers `user`: "edit"."""
    return allowed({"edit": may_edit(user, enterprise)})


# --- claims -------------------------------------------------------------------------------


def may_decide_claim(user, claim: EnterpriseClaim) -> bool:
    """Staff of an association the enterprise is a member of (or an admin); not partners."""
    return can(user, "claim.decide") and may_edit(user, claim.enterprise)


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
