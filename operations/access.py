"""Who may do what in operations: the role table's rows for running the platform.

Everything here is for platform administrators (`core.access.is_admin`); every other role is
refused (403), an anonymous visitor sent to the login page.
"""

from core.access import register
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
