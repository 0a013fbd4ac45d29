"""Who may do what: the mechanism every app's access module uses.

- **Roles and actions.** One vocabulary for the pages and the API: an action (`application.decide`)
  maps to the roles that may perform it at all (otherwise 403). Each feature app declares its rows
  in its own `access.py` with `register({...})`; core holds only its own rows. `can(user, action)`
  answers from the table; `action_required` (pages) and `RolePermission` (API) read the same table.
- **Scope.** What a user works on: their enterprise, their associations (and which they manage),
  their jurisdiction — computed once per request (`scope_of(user)`). Every list selector narrows
  its rows with `Scope.filter`; services ask `Scope.works_for` / `Scope.manages`.
- **Object rules** live beside the role table in each app's access module, with
  `allowed_actions(user, obj)`, which services, pages (buttons) and the API (`allowed_actions` on
  detail payloads) all read.

Whether a particular object is visible is the selectors' business (out of scope answers 404).
"""

from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from core.errors import DomainError
from core.models import Role

MANAGER = "manager"  # a staff user who manages at least one association

EVERYONE = frozenset(
    {Role.ENTERPRISE, Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}
)
# Those who act for an association: its staff, its managers, a partner system bound to it, admins.
STAFF_SIDE = frozenset({Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN})
# The people of the associations (not partner systems) and admins.
ASSOCIATION_PEOPLE = frozenset({Role.STAFF, MANAGER, Role.ADMIN})

ACTIONS: dict[str, frozenset[str]] = {
    "dashboard.view": EVERYONE,
    "reference.view": EVERYONE,
    "profile.view": EVERYONE,
    "notification.view": EVERYONE,
    # API tokens (core.tokens): one's own; managers also their partner accounts'.
    "token.manage": EVERYONE,
}


def register(rows: dict[str, frozenset[str]]) -> None:
    """Add an app's rows to the role table (from its access module, imported at start-up)."""
    for action, roles in rows.items():
        if action in ACTIONS and ACTIONS[action] != roles:
            raise ValueError(f"Action {action!r} is declared twice with different roles")
        ACTIONS[action] = frozenset(roles)


def administrators() -> Q:
    """The accounts `is_admin` answers yes for, as a query."""
    return Q(role=Role.ADMIN) | Q(is_superuser=True)


def is_admin(user) -> bool:
    """A platform administrator (or a superuser): sees and may do everything."""
    return bool(
        user
        and user.is_authenticated
        and (user.is_superuser or getattr(user, "role", None) == Role.ADMIN)
    )


def roles_of(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    if is_admin(user):
        return frozenset({Role.ADMIN})
    roles = {user.role}
    if user.role == Role.STAFF and user.is_manager:
        roles.add(MANAGER)
    return frozenset(roles)


def can(user, action: str) -> bool:
    try:
        allowed = ACTIONS[action]
    except KeyError as exc:
        raise KeyError(
            f"Unknown action {action!r}: register it in its app's access module"
        ) from exc
    return bool(roles_of(user) & allowed)


def has_role(user, *roles: str) -> bool:
    """Whether the user holds one of `roles` (an admin holds only Role.ADMIN)."""
    return bool(roles_of(user) & set(roles))


@dataclass(frozen=True)
class Scope:
    """What one user works on, computed once per request.

    `kind` is the branch every list selector takes:
    - "admin": everything;
    - "enterprise": the user's enterprise (nothing while they have none);
    - "jurisdiction": a region subtree (officials, partners bound to a jurisdiction);
    - "associations": the associations the user works for (staff, managers, bound partners);
    - "none": nothing (anonymous users, accounts bound to nothing).
    """

    kind: str
    role: str = ""
    enterprise_id: int | None = None
    association_ids: frozenset[int] = frozenset()
    managed_association_ids: frozenset[int] = frozenset()
    jurisdiction_id: str | None = None
    jurisdiction_path: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    @property
    def is_enterprise(self) -> bool:
        return self.kind == "enterprise"

    def works_for(self, association_id: int | None) -> bool:
        """Acting for the association: its staff, a partner bound to it, or an admin."""
        return self.is_admin or association_id in self.association_ids

    def manages(self, association_id: int | None) -> bool:
        return self.is_admin or association_id in self.managed_association_ids

    def owns(self, enterprise_id: int | None) -> bool:
        """The user is an enterprise user of this enterprise."""
        return (
            self.is_enterprise and enterprise_id is not None and enterprise_id == self.enterprise_id
        )

    def within_jurisdiction(self, region_path: str | None) -> bool:
        return bool(
            self.jurisdiction_path
            and region_path
            and region_path.startswith(self.jurisdiction_path)
        )

    def acting_association(self, given: int | None) -> int:
        """The association a staff user acts for: the one given, or their only one."""
        if given is not None:
            return given
        if len(self.association_ids) == 1:
            return next(iter(self.association_ids))
        if self.association_ids:
            message = _("You work for several associations; say which one.")
        else:
            message = _("Say which association (its id).")
        raise DomainError(message, fields={"association": [message]})

    def filter(
        self,
        queryset: QuerySet,
        *,
        enterprise: str | None = None,
        association: str | None = None,
        region: str | None = None,
        associations_also: Q | None = None,
    ) -> QuerySet:
        """`queryset` narrowed to what this user may see.

        Each argument names the lookup of one branch: `enterprise="enterprise_id"`,
        `association="association_id"`, `region="enterprise__region__path"` (a materialised
        path). A branch without a lookup sees nothing. `associations_also` narrows the
        associations branch further (e.g. staff see only current members).
        """
        if self.kind == "admin":
            return queryset
        if self.kind == "enterprise" and enterprise and self.enterprise_id:
            return queryset.filter(**{enterprise: self.enterprise_id})
        if self.kind == "jurisdiction" and region:
            return queryset.filter(**{f"{region}__startswith": self.jurisdiction_path})
        if self.kind == "associations" and association:
            queryset = queryset.filter(**{f"{association}__in": self.association_ids})
            return queryset.filter(associations_also) if associations_also is not None else queryset
        return queryset.none()


NO_SCOPE = Scope(kind="none")


def scope_of(user) -> Scope:
    """The user's scope, computed on first use and kept on the user object (one per request)."""
    if not user or not user.is_authenticated:
        return NO_SCOPE
    # Kept on the user object, and computed anew if the account's role or links changed since.
    key = (user.pk, user.role, user.is_superuser, user.enterprise_id, user.jurisdiction_id)
    cached = getattr(user, "_access_scope", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    if is_admin(user):
        scope = Scope(kind="admin", role=Role.ADMIN)
    elif user.role == Role.ENTERPRISE:
        scope = Scope(kind="enterprise", role=user.role, enterprise_id=user.enterprise_id)
    elif user.role in (Role.OFFICIAL, Role.PARTNER) and user.jurisdiction_id:
        scope = Scope(
            kind="jurisdiction",
            role=user.role,
            jurisdiction_id=user.jurisdiction_id,
            jurisdiction_path=user.jurisdiction.path,
            # A partner bound to a jurisdiction reads by region, and still acts for the
            # associations it is bound to, if any.
            association_ids=user.association_ids,
        )
    elif user.role in (Role.STAFF, Role.PARTNER):
        scope = Scope(
            kind="associations",
            role=user.role,
            association_ids=user.association_ids,
            managed_association_ids=user.managed_association_ids,
        )
    else:
        scope = Scope(kind="none", role=user.role)
    user._access_scope = (key, scope)
    return scope


def allowed(checks: dict[str, bool]) -> list[str]:
    """The names whose check holds, in the order given: the `allowed_actions` of an object."""
    return [name for name, ok in checks.items() if ok]


def action_required(action: str):
    """Decorator for page views: the user must be logged in and their role allowed `action`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_action = action
        return wrapped

    return decorator


class RolePermission(BasePermission):
    """API side of the same table.

    A view names its actions in `permission_actions`, keyed by viewset action ("list",
    "retrieve", "approve", …) or, for plain API views, by lower-case HTTP method. A request whose
    action is not named is refused: forgetting a row closes the door rather than opening it.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, request.method.lower(), None) is None:
            return True  # no handler: let the view answer 405 Method Not Allowed
        actions = getattr(view, "permission_actions", {})
        key = getattr(view, "action", None) or request.method.lower()
        action = actions.get(key)
        if action is None:
            return False
        return can(request.user, action)
