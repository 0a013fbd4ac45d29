"""Who may work on an association's members: the list, adding, the import and the export.

The role table's rows for this app, and the object rules beside them.
"""

from core.access import ASSOCIATION_PEOPLE, STAFF_SIDE, register

register(
    {
        "member.list": ASSOCIATION_PEOPLE,
        "member.add": STAFF_SIDE,
        "enterprise.import": STAFF_SIDE,
        "enterprise.export": ASSOCIATION_PEOPLE,
    }
)
