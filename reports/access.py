"""Who may do what to demand reports.

The role table's rows for this app, and the object rules beside them.
"""

from core.access import MANAGER, register
from core.models import Role

register(
    {
        # the association's review and the officials' completeness
        "report.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
        "report.request": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
        "report.review": frozenset({Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN}),
        "report.completeness": frozenset({Role.OFFICIAL, Role.ADMIN}),
    }
)
