"""Columns computed by a correlated subquery, for annotating a list."""

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_per_row(rows: QuerySet, by: str) -> Coalesce:
    """How many of `rows` (filtered on an OuterRef: `association=OuterRef("pk")`) belong to each
    row of the outer query, grouped by `by` (the column the OuterRef filters): one COUNT per
    outer row, answered from an index where one fits, instead of joining every counted row and
    grouping; 0 where there are none."""
    counted = rows.order_by().values(by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), Value(0), output_field=IntegerField())
