"""Who may do what with the services catalogue and service requests.

- The catalogue (providers and services) is kept by the staff side of the association that offers
  it; every signed-in role reads the services it may see (services.selectors.catalogue).
- A request is its enterprise's: only its enterprise users submit, withdraw (before acceptance),
  rate (once resolved) and so reopen it. No one rates a request they handled: staff accounts have
  no enterprise, and a rating is the requesting enterprise's.
- A request is handled (accepted, started, resolved, closed, declined, reopened) by the staff side
  of the association whose service it asks for.
- Officials see no request by name: the reports count them.

Which of those the request's status allows comes from `ServiceRequest.STATUS_TRANSITIONS`
(`core.workflow.may_move`).
"""

from django.db.models import Model

from core.access import EVERYONE, STAFF_SIDE, allowed, can, register, scope_of
from core.models import Role
from core.workflow import may_move
from services.models import Service, ServiceProvider, ServiceRequest

register(
    {
        "service.view": EVERYONE,
        "service.manage": STAFF_SIDE,
        "service_request.view": STAFF_SIDE | {Role.ENTERPRISE},
        "service_request.submit": frozenset({Role.ENTERPRISE}),
        "service_request.handle": STAFF_SIDE,
    }
)

S = ServiceRequest.Status

# The association's side: API action name → the status it moves the request to.
HANDLING = {
    "accept": S.ACCEPTED,
    "start": S.IN_PROGRESS,
    "resolve": S.RESOLVED,
    "close": S.CLOSED,
    "decline": S.DECLINED,
}


def may_request(user) -> bool:
    return can(user, "service_request.submit") and bool(scope_of(user).enterprise_id)


def is_requester(user, request: ServiceRequest) -> bool:
    return can(user, "service_request.submit") and scope_of(user).owns(request.enterprise_id)


def handles(user, request: ServiceRequest) -> bool:
    return can(user, "service_request.handle") and scope_of(user).works_for(request.association_id)


def may_keep_catalogue(user, association_id: int | None) -> bool:
    return can(user, "service.manage") and scope_of(user).works_for(association_id)


def request_actions(user, request: ServiceRequest) -> list[str]:
    own = is_requester(user, request)
    handling = handles(user, request)
    resolved = request.status == S.RESOLVED
    return allowed(
        {
            **{name: handling and may_move(request, to) for name, to in HANDLING.items()},
            # staff send a resolved request back to work (the enterprise does it by rating low)
            "reopen": handling and resolved,
            "withdraw": own and may_move(request, S.WITHDRAWN),
            "rate": own and resolved and request.rating is None,
        }
    )


def allowed_actions(user, obj: Model) -> list[str]:
    """The actions (the API's action names) that `user` may take on `obj` now."""
    if isinstance(obj, ServiceRequest):
        return request_actions(user, obj)
    if isinstance(obj, Service | ServiceProvider):
        return allowed({"edit": may_keep_catalogue(user, obj.association_id)})
    raise TypeError(f"No access rules for {type(obj).__name__}")
