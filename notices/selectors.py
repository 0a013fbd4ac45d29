"""Reads of notices, scoped (notices.access.visible): an enterprise's inbox and unread count,
a notice's receipts and their figures, officials' read rates, and the policies that apply to an
enterprise."""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from associations.models import Membership
from core.access import scope_of
from core.models import Region
from notices import access
from notices.models import Notice, NoticeRecipient

S = Notice.Status


def notices_for(user) -> QuerySet:
    """The notices the user may read; an enterprise user's own unread first, then the newest."""
    notices = access.visible(user).select_related("association")
    scope = scope_of(user)
    if scope.is_enterprise and scope.enterprise_id:
        unread = NoticeRecipient.objects.filter(
            notice_id=OuterRef("pk"), enterprise_id=scope.enterprise_id, read_at__isnull=True
        )
        return notices.annotate(unread=Exists(unread)).order_by("-unread", "-published_at", "-id")
    # drafts (no publishing time yet) first, for the staff who write them
    return notices.order_by(F("published_at").desc(nulls_first=True), "-id")


def unread_count(user) -> int:
    """The notices the user's enterprise has not opened yet (the partial index notice_unread);
    0 for everyone else."""
    scope = scope_of(user)
    if not (scope.is_enterprise and scope.enterprise_id):
        return 0
    return NoticeRecipient.objects.filter(
        enterprise_id=scope.enterprise_id, read_at__isnull=True
    ).count()


def receipt_figures(notice: Notice, *, within: Region | None = None, today=None) -> dict:
    """How many recipients, read, signed and overdue (asked to sign by a day gone by and not
    signed) — in one query; inside a region's subtree only when `within` is given."""
    return receipt_figures_of([notice], within=within, today=today)[notice.pk]


def receipt_figures_of(notices, *, within: Region | None = None, today=None) -> dict[int, dict]:
    """receipt_figures of each of `notices`, by id, in one grouped query (a page of a list)."""
    today = today or timezone.localdate()
    notices = list(notices)
    rows = NoticeRecipient.objects.filter(notice__in=[notice.pk for notice in notices])
    if within is not None:
        # by the recipient's own region code, a range of the (notice, region) index
        rows = rows.filter(within.codes_inside("region__code"))
    overdue = Q(signed_at__isnull=True, notice__needs_sign_off=True, notice__sign_by__lt=today)
    counted = {
        row.pop("notice_id"): row
        for row in rows.values("notice_id")
        .annotate(
            total=Count("pk"),
            read=Count("pk", filter=Q(read_at__isnull=False)),
            signed=Count("pk", filter=Q(signed_at__isnull=False)),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    }
    figures = {}
    for notice in notices:
        found = counted.get(notice.pk) or {"total": 0, "read": 0, "signed": 0, "overdue": 0}
        total = found["total"]
        found["unread"] = total - found["read"]
        found["unsigned"] = total - found["signed"] if notice.needs_sign_off else 0
        found["read_rate"] = round(100 * found["read"] / total) if total else 0
        figures[notice.pk] = found
    return figures


def figures_for(user, notice: Notice) -> dict:
    """The figures `user` may see: the association's side all recipients; an official those
    inside the jurisdiction; an enterprise none."""
    return figures_of(user, [notice])[notice.pk]


def figures_of(user, notices) -> dict[int, dict]:
    """figures_for each of `notices`, by id: one grouped query for the association's notices and
    one for the others (a page of a list)."""
    scope = scope_of(user)
    figures: dict[int, dict] = {notice.pk: {} for notice in notices}
    own = [notice for notice in notices if access.writes(user, notice)]
    figures.update(receipt_figures_of(own) if own else {})
    if scope.kind == "jurisdiction":
        others = [notice for notice in notices if notice not in own]
        if others:
            figures.update(receipt_figures_of(others, within=user.jurisdiction))
    return figures


def receipts_of(user, notices) -> dict[int, NoticeRecipient]:
    """The row of the user's enterprise among each notice's recipients, by notice id (one
    query; none for a user who does not act for an enterprise)."""
    scope = scope_of(user)
    if not (scope.is_enterprise and scope.enterprise_id):
        return {}
    rows = NoticeRecipient.objects.filter(
        notice__in=[notice.pk for notice in notices], enterprise_id=scope.enterprise_id
    )
    return {row.notice_id: row for row in rows}


def receipts(notice: Notice, *, read: bool | None = None, signed: bool | None = None) -> QuerySet:
    """A notice's recipients with who read and signed, for the association's side."""
    rows = NoticeRecipient.objects.filter(notice=notice).select_related(
        "enterprise", "region", "read_by", "signed_by"
    )
    if read is not None:
        rows = rows.filter(read_at__isnull=not read)
    if signed is not None:
        rows = rows.filter(signed_at__isnull=not signed)
    return rows.order_by("enterprise__name", "pk")


def policies_for(enterprise, today=None) -> QuerySet:
    """Published policies of the associations the enterprise is an active member of, still
    valid, whose eligibility (regions, industries, sizes: each only when named) it meets."""
    today = today or timezone.localdate()
    member = Membership.objects.filter(
        association_id=OuterRef("association_id"),
        enterprise_id=enterprise.pk,
        status=Membership.Status.ACTIVE,
    )
    policies = Notice.objects.filter(Exists(member), is_policy=True, status=S.PUBLISHED).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    # The sizes are few values in a JSON list: read beside the ids (SQLite has no JSON
    # containment), the rules below narrowing in the database.
    sized = [
        pk
        for pk, sizes in policies.values_list("pk", "policy_sizes")
        if not sizes or enterprise.size in sizes
    ]
    policies = policies.filter(pk__in=sized)
    ancestors = [part for part in enterprise.region.path.split("/") if part]
    in_region = Notice.policy_regions.through.objects.filter(
        notice_id=OuterRef("pk"), region_id__in=ancestors
    )
    any_region = Notice.policy_regions.through.objects.filter(notice_id=OuterRef("pk"))
    policies = policies.filter(Exists(in_region) | ~Exists(any_region))
    industry_path = enterprise.industry.path if enterprise.industry_id else ""
    industries = [part for part in industry_path.split("/") if part]
    in_industry = Notice.policy_industries.through.objects.filter(
        notice_id=OuterRef("pk"), industry_id__in=industries
    )
    any_industry = Notice.policy_industries.through.objects.filter(notice_id=OuterRef("pk"))
    policies = policies.filter(Exists(in_industry) | ~Exists(any_industry))
    return policies.select_related("association").order_by("-published_at", "-id")
