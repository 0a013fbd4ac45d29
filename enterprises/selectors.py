from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from associations.models import Membership
from core.access import Scope, can, scope_of
from core.models import Event
from core.validators import display_phone
from core.workflow import history_for, read_from_outside
from enterprises.access import may_read_history, may_see_contact_details
from enterprises.models import Enterprise, EnterpriseClaim


def _members_of_my_associations(scope: Scope, statuses) -> QuerySet:
    """The ids of the enterprises whose membership of one of the user's associations is in one
    of `statuses`.

    A subquery rather than `Scope.filter` through the enterprise's memberships: an enterprise is
    a member of several associations, and a join would list it once per membership (and would
    not tie the status to the user's association)."""
    memberships = Membership.objects.filter(status__in=statuses)
    return scope.filter(memberships, association="association_id").values("enterprise_id")


def enterprise_list(*, user) -> QuerySet[Enterprise]:
    """The enterprises `user` may see: staff and bound partners their associations' members, an
    enterprise user their own, an official (or partner bound to a jurisdiction) those inside it."""
    scope = scope_of(user)
    enterprises = Enterprise.objects.select_related("region", "industry")
    if scope.kind == "associations":
        members = _members_of_my_associations(scope, Membership.VISIBLE_TO_STAFF)
        return enterprises.filter(pk__in=members)
    return scope.filter(enterprises, enterprise="pk", region="region__path")


def claim_list(*, user) -> QuerySet[EnterpriseClaim]:
    """Claims the user made, or (staff) claims on enterprises that belong to their associations."""
    scope = scope_of(user)
    claims = EnterpriseClaim.objects.select_related("enterprise", "user")
    if not can(user, "claim.view"):
        return claims.none()
    if scope.is_enterprise:
        # Their own (made before the user acts for an enterprise: by who asked), and those on
        # their enterprise, which its users decide.
        if scope.enterprise_id:
            return claims.filter(Q(user=user) | Q(enterprise_id=scope.enterprise_id))
        return claims.filter(user=user)
    if scope.kind == "associations":
        return claims.filter(
            enterprise_id__in=_members_of_my_associations(scope, Membership.MEMBER)
        )
    return scope.filter(claims)  # admins see every claim


# Fields whose values some readers of an enterprise may not see (see `may_see_contact_details`).
CONTACT_FIELDS = ("contact_phone",)


def enterprise_history(*, user, enterprise: Enterprise) -> list[Event] | None:
    """The enterprise's events, oldest first, as `user` may read them: an official sees that a
    phone number changed, not the numbers, and who changed it by role alone, not by name. None
    for those who may not read it (see `access.may_read_history`)."""
    if not may_read_history(user, enterprise):
        return None
    events = list(history_for(enterprise))
    if may_see_contact_details(user):
        return events
    events = read_from_outside(events, names=False)
    for event in events:  # in memory only: events are never edited
        hidden = {name: [None, None] for name in CONTACT_FIELDS if name in event.changes}
        if hidden:
            event.changes = event.changes | hidden
    return events


def with_contact_visible(queryset: QuerySet, *, user, enterprise: str = "pk") -> QuerySet:
    """`queryset` annotated with `contact_visible`: whether the user may read the contact person
    and phone of the row's enterprise (reached by `enterprise`) now. Lists built from an
    association's past (an approval, a need filed while a member) may name an enterprise that has
    left since: its former association keeps its record as it was, not its people's new phones."""
    if not may_see_contact_details(user):
        return queryset.annotate(contact_visible=Value(False))
    seen = enterprise_list(user=user).filter(pk=OuterRef(enterprise))
    return queryset.annotate(contact_visible=Exists(seen))


def contact_cells(enterprise: Enterprise, *, visible: bool) -> list[str]:
    """The contact person and phone of a row of a download, blank where the reader may not see
    them now (`with_contact_visible`)."""
    if not visible:
        return ["", ""]
    return [enterprise.contact_name, display_phone(enterprise.contact_phone)]
