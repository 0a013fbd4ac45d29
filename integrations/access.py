"""Who may do what with webhooks and the change feed.

- Everyone signed in reads the change feed: it carries only what their own scope shows.
- Webhook endpoints are registered for an account, whose eyes the payloads see with:
  - a manager registers for themselves (for one association they manage) or for a partner
    account bound to an association they manage;
  - an official registers for a partner account bound to a jurisdiction inside theirs;
  - a partner account registers for itself;
  - an admin for any account of the staff side, an official or a partner.
- An endpoint is seen and changed by whoever registered it, its account, the managers of its
  association, an official whose jurisdiction holds its account's, and admins. Out of sight is
  404.
"""

from django.db.models import Q, QuerySet

from associations.models import AssociationUser
from core.access import EVERYONE, MANAGER, is_admin, register, scope_of
from core.models import Role, User
from integrations.models import Endpoint

register(
    {
        "event.feed": EVERYONE,
        "webhook.manage": frozenset({MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    }
)

# Accounts an endpoint may see with (an enterprise user's account never: that is not a partner).
ENDPOINT_ROLES = (Role.STAFF, Role.OFFICIAL, Role.PARTNER)


def accounts_for(user) -> QuerySet[User]:
    """The accounts `user` may register an endpoint for."""
    accounts = User.objects.filter(is_active=True)
    if not user.is_authenticated:
        return accounts.none()
    if is_admin(user):
        return accounts.filter(Q(role__in=ENDPOINT_ROLES) | Q(role=Role.ADMIN))
    scope = scope_of(user)
    mine = Q(pk=user.pk)
    if user.role == Role.PARTNER:
        return accounts.filter(mine)
    if user.role == Role.OFFICIAL and scope.jurisdiction_path:
        return accounts.filter(
            mine | Q(role=Role.PARTNER, jurisdiction__path__startswith=scope.jurisdiction_path)
        )
    if scope.managed_association_ids:
        partners = AssociationUser.objects.filter(
            association_id__in=scope.managed_association_ids, user__role=Role.PARTNER
        ).values("user_id")
        return accounts.filter(mine | Q(pk__in=partners))
    return accounts.none()


def visible(user, queryset: QuerySet | None = None) -> QuerySet[Endpoint]:
    """The endpoints `user` may see and change."""
    queryset = Endpoint.objects.all() if queryset is None else queryset
    if is_admin(user):
        return queryset
    if not user.is_authenticated or user.role == Role.ENTERPRISE:
        return queryset.none()
    scope = scope_of(user)
    rule = Q(created_by=user) | Q(account=user)
    if scope.managed_association_ids:
        rule |= Q(association_id__in=scope.managed_association_ids)
    if user.role == Role.OFFICIAL and scope.jurisdiction_path:
        rule |= Q(
            account__role=Role.PARTNER,
            account__jurisdiction__path__startswith=scope.jurisdiction_path,
        )
    return queryset.filter(rule)


def association_for(user, account) -> int | None:
    """The association an endpoint of `account` belongs to: the partner's association, or for a
    manager registering for themselves the one association they manage (None otherwise)."""
    links = AssociationUser.objects.filter(user=account)
    if account.role == Role.STAFF:
        links = links.filter(is_manager=True)
    if not is_admin(user) and user.role == Role.STAFF:
        links = links.filter(association_id__in=scope_of(user).managed_association_ids)
    ids = list(links.values_list("association_id", flat=True)[:2])
    return ids[0] if len(ids) == 1 else None
