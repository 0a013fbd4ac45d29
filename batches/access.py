"""Who may do what to resumption batches and applications.

The role table's rows for this app, and the object rules beside them.
"""

from core.access import ASSOCIATION_PEOPLE, EVERYONE, MANAGER, STAFF_SIDE, register
from core.models import Role

register(
    {
        "batch.view": EVERYONE,
        "batch.manage": STAFF_SIDE,
        "application.view": EVERYONE,
        "application.apply": frozenset({Role.ENTERPRISE}),
        "application.decide": STAFF_SIDE,
        "application.queue": ASSOCIATION_PEOPLE,
        "progress.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    }
)
