from django.db.models import Exists, OuterRef, QuerySet

from associations.models import Membership
from core.models import Role
from enterprises.models import Enterprise, EnterpriseClaim, ImportJob


def enterprise_list(*, user) -> QuerySet[Enterprise]:
    """The enterprises `user` may see: staff and bound partners their associations' members, an
    enterprise user their own, an official (or partner bound to a jurisdiction) those inside it."""
    enterprises = Enterprise.objects.select_related("region", "industry")
    if not user.is_authenticated:
        return enterprises.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return enterprises
    if user.role == Role.ENTERPRISE:
        return (
            enterprises.filter(pk=user.enterprise_id) if user.enterprise_id else enterprises.none()
        )
    if user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        return enterprises.filter(region__path__startswith=user.jurisdiction.path)
    if user.association_ids:
        member = Membership.objects.filter(
            enterprise_id=OuterRef("pk"),
            association_id__in=user.association_ids,
            status__in=Membership.VISIBLE_TO_STAFF,
        )
        return enterprises.filter(Exists(member))
    return enterprises.none()


def may_see_contact_details(user) -> bool:
    """Officials read enterprises, but never their people's phone numbers."""
    return user.role != Role.OFFICIAL


def claim_list(*, user) -> QuerySet[EnterpriseClaim]:
    """Claims the user made, or (staff) claims on enterprises that belong to their associations."""
    claims = EnterpriseClaim.objects.select_related("enterprise", "user")
    if not user.is_authenticated:
        return claims.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return claims
    if user.role == Role.ENTERPRISE:
        return claims.filter(user=user)
    if user.role == Role.STAFF and user.association_ids:
        member = Membership.objects.filter(
            enterprise_id=OuterRef("enterprise_id"),
            association_id__in=user.association_ids,
            status__in=Membership.MEMBER,
        )
        return claims.filter(Exists(member))
    return claims.none()


def import_job_list(*, user) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.defer("content")
    if not user.is_authenticated:
        return jobs.none()
    if user.is_superuser or user.role == Role.ADMIN:
        return jobs
    return jobs.filter(association_id__in=user.association_ids)
