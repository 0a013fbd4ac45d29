"""Who may do what to needs (supply, labour, difficulties), offers and the supply catalogue.

The role table's rows for this app, and the object rules beside them.
"""

from core.access import ASSOCIATION_PEOPLE, EVERYONE, MANAGER, STAFF_SIDE, register
from core.models import Role

register(
    {
        "supply_item.view": EVERYONE,
        "supply_item.manage": STAFF_SIDE,
        "need.view": EVERYONE,
        "need.file": frozenset({Role.ENTERPRISE}),
        "need.coordinate": STAFF_SIDE,
        "need.queue": ASSOCIATION_PEOPLE,
        "need.escalated": frozenset({Role.OFFICIAL, Role.ADMIN}),
        "need.reply": frozenset({Role.OFFICIAL}),
        "offer.view": frozenset({Role.ENTERPRISE, Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN}),
        "offer.post": frozenset({Role.ENTERPRISE}),
        "offer.withdraw": STAFF_SIDE | {Role.ENTERPRISE},
    }
)
