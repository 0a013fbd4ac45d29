"""Who may do what with hardship assessments, relief schemes and grants.

- An enterprise asks for its own assessment.
- The staff side of the association grades assessments, runs schemes and proposes grants.
- Only a manager of the association approves or rejects a batch of grants, and revokes a grant.
"""

from core.access import EVERYONE, MANAGER, STAFF_SIDE, can, register, scope_of
from core.models import Role

register(
    {
        "hardship.view": EVERYONE,
        "hardship.request": frozenset({Role.ENTERPRISE}),
        "hardship.assess": STAFF_SIDE,
        "relief.manage": STAFF_SIDE,
        "relief.decide": frozenset({MANAGER, Role.ADMIN}),
        # the hardest-hit list: an association's for its staff side, a jurisdiction's for officials
        "hardship.hardest_hit": STAFF_SIDE | {Role.OFFICIAL},
        # schemes and grants: the association's side, and an enterprise its own grants
        "relief.view": STAFF_SIDE | {Role.ENTERPRISE},
    }
)


def may_request(user, enterprise_id: int) -> bool:
    return can(user, "hardship.request") and scope_of(user).owns(enterprise_id)


def may_assess(user, association_id: int) -> bool:
    return can(user, "hardship.assess") and scope_of(user).works_for(association_id)


def may_manage(user, association_id: int) -> bool:
    return can(user, "relief.manage") and scope_of(user).works_for(association_id)


def may_decide(user, association_id: int) -> bool:
    return can(user, "relief.decide") and scope_of(user).manages(association_id)


# --- hardship assessments (object rules of assessments) -------------------------------------


def may_add_evidence(user, assessment) -> bool:
    """The enterprise adds evidence while its request waits; the association's staff side
    until the assessment is refused."""
    status = assessment.status
    if may_request(user, assessment.enterprise_id):
        return status == "requested"
    return may_assess(user, assessment.association_id) and status != "refused"


def assessment_actions(user, assessment) -> list[str]:
    """The actions (the API's action names) that `user` may take on `assessment` now."""
    from core.access import allowed

    grading = may_assess(user, assessment.association_id) and assessment.status == "requested"
    return allowed(
        {
            "assess": grading,
            "refuse": grading,
            "attach": may_add_evidence(user, assessment),
        }
    )


# --- relief schemes and grants (object rules of schemes, batches and grants) ----------------


def scheme_actions(user, scheme) -> list[str]:
    from core.access import allowed

    return allowed(
        {
            "edit": may_manage(user, scheme.association_id),
            "propose": may_manage(user, scheme.association_id),
        }
    )


def batch_actions(user, batch) -> list[str]:
    from core.access import allowed

    deciding = may_decide(user, batch.scheme.association_id) and batch.status == "proposed"
    return allowed({"approve": deciding, "reject": deciding})


def grant_actions(user, grant) -> list[str]:
    from core.access import allowed

    return allowed(
        {"revoke": may_decide(user, grant.scheme.association_id) and grant.status == "granted"}
    )


def sees_grant(user, grant) -> bool:
    """The association's side, and the enterprise granted."""
    scope = scope_of(user)
    return scope.works_for(grant.scheme.association_id) or scope.owns(grant.enterprise_id)
