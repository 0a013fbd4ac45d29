"""Who may do what in operations: the role table's rows for running the platform.

Everything here is for platform administrators (`core.access.is_admin`); every other role is
refused (403), an anonymous visitor sent to the login page.
"""

from django.db.models import Exists, OuterRef, QuerySet

from associations.models import Membership
from core.access import EVERYONE, MANAGER, is_admin, register, scope_of
from core.models import Role
from operations.models import DeletionRequest

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


# --- personal data (docs/decisions/0028) -----------------------------------------------------
# Everyone signed in downloads their own data; an enterprise user asks for their account's
# deletion; managers and admins decide: a manager the requests of users of an enterprise that
# is an active member of an association they manage (others' requests are not found), an
# admin every request.
register(
    {
        "personal_data.download": EVERYONE,
        "deletion.request": frozenset({Role.ENTERPRISE}),
        "deletion.decide": frozenset({MANAGER, Role.ADMIN}),
    }
)


def decidable(user) -> QuerySet[DeletionRequest]:
    """The deletion requests `user` may see and decide (waiting or decided)."""
    requests = DeletionRequest.objects.all()
    if is_admin(user):
        return requests
    managed = scope_of(user).managed_association_ids
    if not managed:
        return requests.none()
    memberships = Membership.objects.filter(
        enterprise_id=OuterRef("user__enterprise_id"),
        association_id__in=managed,
        status=Membership.Status.ACTIVE,
    )
    return requests.filter(Exists(memberships))
