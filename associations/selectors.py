from django.db.models import Exists, OuterRef, QuerySet

from associations.models import Association, Membership
from core.access import scope_of
from core.models import User
from core.subqueries import count_per_row


def association_list(*, user) -> QuerySet[Association]:
    """The directory of associations. Every signed-in user may read it (an enterprise needs it to
    ask to join); what a user may change is decided by the access rules."""
    if not user.is_authenticated:
        return Association.objects.none()
    return Association.objects.select_related("region").prefetch_related("industries")


def my_association_list(*, user) -> QuerySet[Association]:
    """Associations `user` works with: staff their own, an enterprise user those its enterprise
    belongs to, an official those based inside the jurisdiction, admins all."""
    mine = scope_of(user).filter(
        Association.objects.all(),
        enterprise="memberships__enterprise_id",
        association="pk",
        region="region__path",
    )
    # A subquery rather than the join itself, so that counting members (below) counts them all.
    return Association.objects.select_related("region").filter(pk__in=mine.values("pk"))


def association_member_counts(*, user) -> QuerySet[Association]:
    """The user's associations, each annotated with its members by status (one grouped query)."""
    status = Membership.Status

    def members(state: str):
        # Counted per association from the (association, status) index alone, not by joining
        # every membership to its association's row and grouping (the administrator's home
        # page: 190 ms over 200,000 memberships, growing with the country).
        rows = Membership.objects.filter(association=OuterRef("pk"), status=state)
        return count_per_row(rows, "association")

    return my_association_list(user=user).annotate(
        members_active=members(status.ACTIVE),
        members_pending=members(status.PENDING),
        members_suspended=members(status.SUSPENDED),
    )


def membership_list(*, user) -> QuerySet[Membership]:
    """Memberships `user` may see: staff and bound partners their associations', an enterprise
    user their enterprise's, an official those of enterprises inside the jurisdiction."""
    memberships = Membership.objects.select_related(
        "association", "enterprise", "enterprise__region", "enterprise__industry"
    )
    return scope_of(user).filter(
        memberships,
        enterprise="enterprise_id",
        association="association_id",
        region="enterprise__region__path",
    )


def invitations_to_answer(*, user) -> QuerySet[Membership]:
    """Invitations `user` answers: those to the enterprise user's own enterprise, and (staff)
    those to enterprises their association registered that have no users of their own."""
    scope = scope_of(user)
    invited = Membership.objects.filter(status=Membership.Status.INVITED).select_related(
        "association", "enterprise", "enterprise__region"
    )
    if scope.is_admin:
        return invited
    if scope.is_enterprise:
        return invited.filter(enterprise_id=scope.enterprise_id or 0)
    if not scope.association_ids:
        return invited.none()
    users = User.objects.filter(enterprise_id=OuterRef("enterprise_id"), is_active=True)
    # ...while it is still their member (as `access.keeps_record`).
    theirs = Membership.objects.filter(
        enterprise_id=OuterRef("enterprise_id"),
        association_id=OuterRef("enterprise__registered_by_id"),
        status__in=Membership.MEMBER,
    )
    return (
        invited.filter(enterprise__registered_by_id__in=scope.association_ids)
        .exclude(Exists(users))
        .filter(Exists(theirs))
    )


def membership_or_invitation(*, user, pk: int) -> Membership | None:
    """One membership `user` may see, or an invitation they answer (for the detail pages)."""
    return (
        membership_list(user=user).filter(pk=pk).first()
        or invitations_to_answer(user=user).filter(pk=pk).first()
    )


def membership_list_for_enterprise(*, user) -> QuerySet[Membership]:
    """The memberships of the enterprise user's own enterprise (nothing for anyone else)."""
    scope = scope_of(user)
    if not (scope.is_enterprise and scope.enterprise_id):
        return Membership.objects.none()
    return Membership.objects.filter(enterprise_id=scope.enterprise_id).select_related(
        "association"
    )
