"""Reads of relief, scoped to who asks."""

from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from core.access import scope_of
from relief.models import ReliefGrant, ReliefScheme

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))


def ledger(schemes) -> list[dict]:
    """Per scheme: budget, granted (still held), revoked and remaining, as exact Decimals, in one
    query."""
    rows = schemes.annotate(
        granted=Coalesce(
            Sum("grants__amount", filter=Q(grants__status=ReliefGrant.Status.GRANTED)), ZERO
        ),
        revoked=Coalesce(
            Sum("grants__amount", filter=Q(grants__status=ReliefGrant.Status.REVOKED)), ZERO
        ),
    ).order_by("pk")
    return [
        {
            "scheme": row,
            "budget": row.budget,
            "granted": row.granted,
            "revoked": row.revoked,
            "remaining": row.budget - row.granted,
        }
        for row in rows
    ]


def schemes_for(user):
    """The schemes of the associations the user works for (all of them for an admin)."""
    return scope_of(user).filter(ReliefScheme.objects.all(), association="association_id")
