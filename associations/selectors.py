from django.db.models import Count, Q, QuerySet

from associations.models import Association, Membership
from core.models import Role


def association_list(*, user) -> QuerySet[Association]:
    """The directory of associations. Every signed-in user may read it (an enterprise needs it to
    ask to join); what a user may change is decided by the services."""
    if not user.is_authenticated:
        return Association.objects.none()
    return Association.objects.select_related("region").prefetch_related("industries")


def my_association_list(*, user) -> QuerySet[Association]:
    """Associations `user` works with: staff their own, an enterprise user those its enterprise
    belongs to, an official those based inside the jurisdiction, admins all."""
    associations = Association.objects.select_related("region")
    if not user.is_authenticated:
        return associations.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return associations
    if user.role == Role.ENTERPRISE:
        return associations.filter(memberships__enterprise_id=user.enterprise_id).distinct()
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return associations.filter(region__path__startswith=user.jurisdiction.path)
    return associations.filter(pk__in=user.association_ids)


def association_member_counts(*, user) -> QuerySet[Association]:
    """The user's associations, each annotated with its members by status (one grouped query)."""
    status = Membership.Status
    return my_association_list(user=user).annotate(
        members_active=Count("memberships", filter=Q(memberships__status=status.ACTIVE)),
        members_pending=Count("memberships", filter=Q(memberships__status=status.PENDING)),
        members_suspended=Count("memberships", filter=Q(memberships__status=status.SUSPENDED)),
    )


def membership_list(*, user) -> QuerySet[Membership]:
    """Memberships `user` may see: staff and bound partners their associations', an enterprise
    user their enterprise's, an official those of enterprises inside the jurisdiction."""
    memberships = Membership.objects.select_related(
        "association", "enterprise", "enterprise__region", "enterprise__industry"
    )
    if not user.is_authenticated:
        return memberships.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return memberships
    if user.role == Role.ENTERPRISE:
        if not user.enterprise_id:
            return memberships.none()
        return memberships.filter(enterprise_id=user.enterprise_id)
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return memberships.filter(enterprise__region__path__startswith=user.jurisdiction.path)
    return memberships.filter(association_id__in=user.association_ids)


def membership_list_for_enterprise(*, user) -> QuerySet[Membership]:
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        return Membership.objects.none()
    return Membership.objects.filter(enterprise_id=user.enterprise_id).select_related("association")
