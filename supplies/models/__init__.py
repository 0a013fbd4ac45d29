"""Needs that enterprises file (supplies, labour, difficulties), the offers that can meet them,
and the coordination around them: matches, placements, questions, escalations and replies.

- `catalogue`: the supply catalogue, units and how quantities are written;
- `needs`: the need and its three kinds, with the table of allowed status changes;
- `coordination`: offers, matches, placements, messages and escalations.
"""

from supplies.models.catalogue import POSITIVE, QUANTITY, SupplyItem, Unit, in_unit, plain
from supplies.models.coordination import (
    Escalation,
    Match,
    NeedMessage,
    Placement,
    PriorityHold,
    SupplyOffer,
)
from supplies.models.needs import (
    Difficulty,
    KindManager,
    LabourRequest,
    Need,
    NeedQuerySet,
    OneKind,
    SupplyRequest,
)

__all__ = [
    "POSITIVE",
    "QUANTITY",
    "Difficulty",
    "Escalation",
    "KindManager",
    "LabourRequest",
    "Match",
    "Need",
    "NeedMessage",
    "NeedQuerySet",
    "OneKind",
    "Placement",
    "PriorityHold",
    "SupplyItem",
    "SupplyOffer",
    "SupplyRequest",
    "Unit",
    "in_unit",
    "plain",
]
