"""Who may do what to needs (supply, labour, difficulties), offers and the supply catalogue.

The role table's rows for this app, and the object rules beside them. The services refuse what
these rules refuse, a need's page shows a button only for an action in `allowed_actions`, and the
API returns the same list on its detail payloads: one answer to "may this user do this to this
need", read by all three.

- A need is its enterprise's: only its enterprise users add information to it or cancel it.
- A need is coordinated (taken, asked about, resolved, escalated, matched with offers, staffed)
  by the staff side of the association it was filed with: its staff and managers, a partner
  system bound to it, admins.
- An escalated need is answered by an official whose jurisdiction holds the enterprise's region.
- An offer is withdrawn by its enterprise or by its association's staff side.
- A catalogue item is kept by the association whose staff added it (its staff side edits it), or
  by the platform (only administrators edit those).

Which of those the object's status allows comes from the model's `STATUS_TRANSITIONS`
(`core.workflow.may_move`); a service refuses who may not act at all with PermissionDenied (403)
and what the status does not allow with TransitionNotAllowed (409).
"""

from django.db.models import Model
from django.utils.functional import cached_property

from core.access import (
    ASSOCIATION_PEOPLE,
    EVERYONE,
    MANAGER,
    STAFF_SIDE,
    allowed,
    can,
    register,
    scope_of,
)
from core.models import Role
from core.workflow import may_move
from supplies.models import Need, SupplyItem, SupplyOffer

register(
    {
        "supply_item.view": EVERYONE,
        "supply_item.manage": STAFF_SIDE,
        "need.view": EVERYONE,
        "need.file": frozenset({Role.ENTERPRISE}),
        "need.coordinate": STAFF_SIDE,
        "need.queue": ASSOCIATION_PEOPLE,
        "need.escalated": frozenset({Role.OFFICIAL, Role.ADMIN}),
        # the overdue needs by name, to follow up (supplies.follow_up)
        "need.overdue_list": frozenset(
            {Role.STAFF, MANAGER, Role.OFFICIAL, Role.PARTNER, Role.ADMIN}
        ),
        "need.reply": frozenset({Role.OFFICIAL}),
        "offer.view": frozenset({Role.ENTERPRISE, Role.STAFF, MANAGER, Role.PARTNER, Role.ADMIN}),
        "offer.post": frozenset({Role.ENTERPRISE}),
        "offer.withdraw": STAFF_SIDE | {Role.ENTERPRISE},
    }
)

S = Need.Status

# The association's side: API action name → the status it moves the need to.
COORDINATION = {
    "take": S.IN_PROGRESS,
    "ask-info": S.INFO_REQUESTED,
    "resolve": S.RESOLVED,
    "escalate": S.ESCALATED,
}


# --- needs --------------------------------------------------------------------------------


def may_file(user) -> bool:
    """Whether the user acts for an enterprise that can file needs (an enterprise user with
    one)."""
    return can(user, "need.file") and bool(scope_of(user).enterprise_id)


class NeedRules:
    """The need rules for one user, who the user is worked out once: a list of a thousand
    needs asks `actions` for each (the API's `allowed_actions`)."""

    def __init__(self, user):
        self.user = user
        self.scope = scope_of(user)
        self._known: dict[tuple, list[str]] = {}

    # Each asked when first needed: `is_owner(user, need)` alone asks one permission, not three.
    @cached_property
    def files(self) -> bool:
        return can(self.user, "need.file")

    @cached_property
    def coordinates_any(self) -> bool:
        return can(self.user, "need.coordinate")

    @cached_property
    def replies(self) -> bool:
        return can(self.user, "need.reply")

    def is_owner(self, need: Need) -> bool:
        return self.files and self.scope.owns(need.enterprise_id)

    def coordinates(self, need: Need) -> bool:
        return self.coordinates_any and self.scope.works_for(need.association_id)

    def answers(self, need: Need) -> bool:
        return (
            self.replies
            and need.escalated_at is not None
            and self.scope.within_jurisdiction(_region_path(need))
        )

    def actions(self, need: Need) -> list[str]:
        # What the answer depends on, beside the rules below: a list's rows share a handful
        # of these, and each is worked out once.
        own = self.is_owner(need)
        coordinating = self.coordinates(need)
        answering = self.answers(need)
        key = (
            own,
            coordinating,
            answering,
            need.status,
            need.kind,
            bool(need.remaining_quantity),
            bool(need.remaining_headcount),
        )
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = self._actions(need, own, coordinating, answering)
        return list(found)

    def _actions(self, need: Need, own: bool, coordinating: bool, answering: bool) -> list[str]:
        return allowed(
            {
                **{name: coordinating and may_move(need, to) for name, to in COORDINATION.items()},
                "add-info": own and need.is_active,
                "cancel": own and may_move(need, S.CANCELLED),
                "reply": answering and may_move(need, S.ANSWERED),
                "match": coordinating
                and workable(need)
                and need.kind == Need.Kind.SUPPLY
                and bool(need.remaining_quantity),
                "place": coordinating
                and workable(need)
                and need.kind == Need.Kind.LABOUR
                and bool(need.remaining_headcount),
            }
        )


def _region_path(need: Need) -> str:
    """The path of the need's enterprise's region: annotated on a list's rows
    (`enterprise_region_path`, supplies.api), else read through the enterprise."""
    annotated = need.__dict__.get("enterprise_region_path")
    return annotated if annotated is not None else need.enterprise.region.path


def is_owner(user, need: Need) -> bool:
    """Whether the user acts for the enterprise that filed the need."""
    return NeedRules(user).is_owner(need)


def coordinates(user, need: Need) -> bool:
    """Whether the user acts for the association the need was filed with."""
    return NeedRules(user).coordinates(need)


def answers(user, need: Need) -> bool:
    """Whether the user is an official whose jurisdiction holds the enterprise's region, and the
    need was put before government."""
    return NeedRules(user).answers(need)


def workable(need: Need) -> bool:
    """A supply request can be matched, a labour request staffed, while it waits for anything."""
    return need.is_active


def need_actions(user, need: Need) -> list[str]:
    return NeedRules(user).actions(need)


def need_way_back(user, need: Need) -> str:
    """Which list a need's page leads back to: "mine" (the enterprise's needs), "queue" (the
    association's queue), "escalated" (the officials' list) or "all" (every need the user
    sees)."""
    if is_owner(user, need):
        return "mine"
    if can(user, "need.queue"):
        return "queue"
    if can(user, "need.escalated"):
        return "escalated"
    return "all"


# --- offers -------------------------------------------------------------------------------


def may_post_offer(user) -> bool:
    """Whether the user acts for an enterprise that can offer supplies."""
    return can(user, "offer.post") and bool(scope_of(user).enterprise_id)


def may_withdraw(user, offer: SupplyOffer) -> bool:
    """Its enterprise, or the staff side of the association it is offered to."""
    scope = scope_of(user)
    return can(user, "offer.withdraw") and (
        scope.owns(offer.enterprise_id) or scope.works_for(offer.association_id)
    )


def offer_actions(user, offer: SupplyOffer) -> list[str]:
    return allowed(
        {"withdraw": may_withdraw(user, offer) and may_move(offer, SupplyOffer.Status.WITHDRAWN)}
    )


# --- the catalogue ------------------------------------------------------------------------


def may_add_items(user) -> bool:
    """The staff side adds items (for their association; administrators for the platform)."""
    return can(user, "supply_item.manage")


def keeps_platform_items(user) -> bool:
    """Administrators keep the platform's own items (and may add or edit any)."""
    return can(user, "supply_item.manage") and scope_of(user).is_admin


def may_keep_items_for(user, association_id: int | None) -> bool:
    """Whether the user adds and edits items kept by this association."""
    return can(user, "supply_item.manage") and scope_of(user).works_for(association_id)


def may_edit_item(user, item: SupplyItem) -> bool:
    """Administrators edit any item; the staff side those their association keeps."""
    if keeps_platform_items(user):
        return True
    return item.association_id is not None and may_keep_items_for(user, item.association_id)


def item_actions(user, item: SupplyItem) -> list[str]:
    return allowed({"edit": may_edit_item(user, item)})


def allowed_actions(user, obj: Model, rules: NeedRules | None = None) -> list[str]:
    """The actions (the API's action names) that `user` may take on `obj` now; `rules`: the
    user's need rules, when worked out already for a list."""
    if isinstance(obj, Need):
        return (rules or NeedRules(user)).actions(obj)
    if isinstance(obj, SupplyOffer):
        return offer_actions(user, obj)
    if isinstance(obj, SupplyItem):
        return item_actions(user, obj)
    raise TypeError(f"No access rules for {type(obj).__name__}")
