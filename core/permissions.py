"""Who may do what: one vocabulary of roles and actions for the pages and the API.

`ACTIONS` maps an action to the roles that may perform it. Whether a particular object is visible
is the selectors' business (out of scope answers 404); this table only says whether a role may
perform the action at all (otherwise 403).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.permissions import BasePermission

from core.models import Role

MANAGER = "manager"  # a staff user who manages at least one association

EVERYONE = frozenset(
    {Role.ENTERPRISE, Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}
)

STAFF_SIDE = frozenset({Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN})

ACTIONS: dict[str, frozenset[str]] = {
    "dashboard.view": EVERYONE,
    "reference.view": EVERYONE,
    "profile.view": EVERYONE,
    # associations: a directory everyone reads; admins create, managers edit their own
    "association.view": EVERYONE,
    "association.create": frozenset({Role.ADMIN}),
    "association.edit": frozenset({MANAGER, Role.ADMIN}),
    "association.invite_staff": frozenset({MANAGER, Role.ADMIN}),
    # enterprises: staff register members, an enterprise user registers or claims their own
    "enterprise.view": EVERYONE,
    "enterprise.create": STAFF_SIDE | {Role.ENTERPRISE},
    "enterprise.edit": STAFF_SIDE | {Role.ENTERPRISE},
    "enterprise.import": STAFF_SIDE,
    "enterprise.export": frozenset({Role.STAFF, MANAGER, Role.ADMIN}),
    "enterprise.claim": frozenset({Role.ENTERPRISE}),
    "claim.view": frozenset({Role.ENTERPRISE, Role.STAFF, MANAGER, Role.ADMIN}),
    "claim.decide": frozenset({Role.STAFF, MANAGER, Role.ADMIN}),
    # memberships: staff add and decide; an enterprise asks to join and may leave
    "membership.view": EVERYONE,
    "membership.create": STAFF_SIDE | {Role.ENTERPRISE},
    "membership.decide": STAFF_SIDE,
    "membership.leave": STAFF_SIDE | {Role.ENTERPRISE},
    "member.list": frozenset({Role.STAFF, MANAGER, Role.ADMIN}),
    "member.add": STAFF_SIDE,
    # resumption batches and applications
    "batch.view": EVERYONE,
    "batch.manage": STAFF_SIDE,
    "application.view": EVERYONE,
    "application.apply": frozenset({Role.ENTERPRISE}),
    "application.decide": STAFF_SIDE,
    "application.queue": frozenset({Role.STAFF, MANAGER, Role.ADMIN}),
    "progress.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    "notification.view": EVERYONE,
    # needs (supply, labour, difficulties), offers and their coordination
    "supply_item.view": EVERYONE,
    "supply_item.manage": STAFF_SIDE,
    "need.view": EVERYONE,
    "need.file": frozenset({Role.ENTERPRISE}),
    "need.coordinate": STAFF_SIDE,
    "need.queue": frozenset({Role.STAFF, MANAGER, Role.ADMIN}),
    "need.escalated": frozenset({Role.OFFICIAL, Role.ADMIN}),
    "need.reply": frozenset({Role.OFFICIAL}),
    "offer.view": frozenset({Role.ENTERPRISE, Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN}),
    "offer.post": frozenset({Role.ENTERPRISE}),
    "offer.withdraw": STAFF_SIDE | {Role.ENTERPRISE},
    # demand reports to government: the association's review and the officials' completeness
    "report.view": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    "report.request": frozenset({Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}),
    "report.review": frozenset({Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN}),
    "report.completeness": frozenset({Role.OFFICIAL, Role.ADMIN}),
    "membership.request": frozenset({Role.ENTERPRISE}),
}


def roles_of(user) -> frozenset[str]:
    if not user or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset({Role.ADMIN})
    roles = {user.role}
    if user.role == Role.STAFF and user.is_manager:
        roles.add(MANAGER)
    return frozenset(roles)


def can(user, action: str) -> bool:
    try:
        allowed = ACTIONS[action]
    except KeyError as exc:
        raise KeyError(f"Unknown action {action!r}: add it to core.permissions.ACTIONS") from exc
    return bool(roles_of(user) & allowed)


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
