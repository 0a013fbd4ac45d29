"""Every write on needs, offers, their coordination and the supply catalogue. Who may do it is
asked of `supplies.access`; every write appends an event in its transaction (core.workflow).

- `needs`: filing, the enterprise's side, the association's side, government's answer;
- `offers`: offers, matches with supply requests, placements with labour requests;
- `catalogue`: the supply catalogue's items;
- `checks`: the checks of quantities, dates, items and memberships they share.
"""

from supplies.services.catalogue import item_create, item_update
from supplies.services.needs import (
    need_add_info,
    need_ask_info,
    need_cancel,
    need_escalate,
    need_file,
    need_reply,
    need_resolve,
    need_take,
)
from supplies.services.offers import (
    match_create,
    offer_create,
    offer_withdraw,
    placement_create,
)

__all__ = [
    "item_create",
    "item_update",
    "match_create",
    "need_add_info",
    "need_ask_info",
    "need_cancel",
    "need_escalate",
    "need_file",
    "need_reply",
    "need_resolve",
    "need_take",
    "offer_create",
    "offer_withdraw",
    "placement_create",
]
