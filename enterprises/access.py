"""Who may do what to enterprises and the claims to act for them.

The role table's rows for this app, and the object rules beside them.
"""

from core.access import EVERYONE, MANAGER, STAFF_SIDE, register
from core.models import Role

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
