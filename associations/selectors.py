from django.db.models import Count, Q, QuerySet

from associations.models import Association, Membership
from core.models import Role


def association_list(*, user) -> QuerySet[Association]:
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
    return association_list(user=user).annotate(
        members_active=Count("memberships", filter=Q(memberships__status=status.ACTIVE)),
        members_pending=Count("memberships", filter=Q(memberships__status=status.PENDING)),
        members_suspended=Count("memberships", filter=Q(memberships__status=status.SUSPENDED)),
    )


def membership_list_for_enterprise(*, user) -> QuerySet[Membership]:
    if user.role != Role.ENTERPRISE or not user.enterprise_id:
        return Membership.objects.none()
    return Membership.objects.filter(enterprise_id=user.enterprise_id).select_related("association")
