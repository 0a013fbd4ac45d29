"""Who to chase among the needs: those overdue (docs/decisions/0002: open — not closed — and
needed by a day before today), one row per need, the one needed longest ago first.

Read through `selectors.need_list`, so each reader sees what the dashboard's "overdue" figure
(`{% need_figures %}`) counts for them: staff their associations' needs, an official the needs
put before government inside the jurisdiction, admins all. Without filters the list's length is
that figure. See docs/decisions/0015-follow-up-lists.md.
"""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from associations.selectors import membership_list
from core.models import Industry, Region
from supplies.models import Need
from supplies.selectors import need_list

# The most rows a download holds; the page says so when the list is longer.
EXPORT_LIMIT = 20_000


def overdue_list(
    *,
    user,
    association_id: int | None = None,
    region: Region | None = None,
    industry: Industry | None = None,
    kind: str = "",
) -> QuerySet[Need]:
    """The overdue needs `user` may see, narrowed to an association, a region's subtree, an
    industry (a section with its divisions, or one division) and a kind; each with
    `membership_id`, the enterprise's membership of the need's association when the user may
    open its page."""
    needs = need_list(user=user).overdue()
    if association_id is not None:
        needs = needs.filter(association_id=association_id)
    if region is not None:
        needs = needs.filter(enterprise__region__path__startswith=region.path)
    if industry is not None:
        needs = needs.filter(
            Q(enterprise__industry_id=industry.code)
            | Q(enterprise__industry__parent_id=industry.code)
        )
    if kind:
        needs = needs.filter(kind=kind)
    theirs = membership_list(user=user).filter(
        enterprise_id=OuterRef("enterprise_id"), association_id=OuterRef("association_id")
    )
    return needs.annotate(membership_id=Subquery(theirs.values("pk")[:1])).order_by(
        "needed_by", "rank_at", "id"
    )
