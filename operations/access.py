"""Who may do what in operations: the role table's rows for running the platform.

Everything here is for platform administrators (`core.access.is_admin`); every other role is
refused (403), an anonymous visitor sent to the login page.
"""

from core.access import MANAGER, register
from core.models import Role

ADMINS = frozenset({Role.ADMIN})

# The platform's administration (operations.platform): its figures, finding a user and
# deactivating or reactivating them. Creating an association with its first manager reads
# associations' own row, `association.create`.
register(
    {
        "platform.figures": ADMINS,
        "platform.users": ADMINS,
    }
)


# The audit viewer (operations.audit, docs/decisions/0027): managers read their associations'
# events, officials those of what is submitted to government in their jurisdiction, admins all.
register({"audit.read": frozenset({MANAGER, Role.OFFICIAL, Role.ADMIN})})
