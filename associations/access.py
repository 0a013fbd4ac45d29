"""Who may do what to associations, their staff and memberships.

The role table's rows for this app, and the object rules beside them.
"""

from core.access import EVERYONE, MANAGER, STAFF_SIDE, register
from core.models import Role

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
