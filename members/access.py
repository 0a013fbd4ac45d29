"""Who may work on an association's members: the list, adding, the import and the export.

The role table's rows for this app, and the object rules beside them. Adding one member and
deciding on memberships are the association's rules (`associations.access`); editing an
enterprise is the enterprise's (`enterprises.access`).
"""

from core.access import ASSOCIATION_PEOPLE, STAFF_SIDE, can, register, scope_of

register(
    {
        "member.list": ASSOCIATION_PEOPLE,
        "member.add": STAFF_SIDE,
        "enterprise.import": STAFF_SIDE,
        "enterprise.export": ASSOCIATION_PEOPLE,
    }
)


def may_import_for(user, association_id: int) -> bool:
    """A spreadsheet is imported into one association by its staff side (a bound partner
    included) or an admin."""
    return can(user, "enterprise.import") and scope_of(user).works_for(association_id)
