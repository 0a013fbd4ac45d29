"""The plan PostgreSQL chooses for a query when some of its ways are priced out: a test that
an index serves a list asks for the plan with sorting (and table scans) ruled out, so that a
few test rows do not make a sort or a scan the cheaper choice."""

from django.db import connection, transaction


def plan_of(sql: str, params=None, *, priced_out=("sort", "seqscan")) -> str:
    """EXPLAIN of `sql` with each of `priced_out` (enable_<name>) turned off, as one text."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in priced_out:
            cursor.execute(f"SET LOCAL enable_{name} = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
