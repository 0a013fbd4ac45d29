"""Reads of the case library, scoped (cases.access.visible)."""

from django.db.models import QuerySet

from cases import access, search
from cases.models import Case
from core.models import Industry, Region


def library(
    user,
    *,
    text: str = "",
    tag: str = "",
    industry: str = "",
    region: str = "",
    size: str = "",
    status: str = "",
) -> QuerySet:
    """The cases `user` may read, filtered, best match first when `text` is given.

    `industry` is a section (A–T: its divisions too) or a division code; `region` a region code
    (its subtree too)."""
    cases = access.visible(user).select_related("industry", "region", "association")
    if status:
        cases = cases.filter(status=status)
    if tag:
        cases = cases.filter(tags__tag=tag)
    if industry:
        cases = by_path(cases, "industry", Industry, industry)
    if region:
        cases = by_path(cases, "region", Region, region)
    if size:
        cases = cases.filter(size=size)
    cases = cases.prefetch_related("tags")
    if text:
        # Searched: the industry, region and association are read for the page's rows only
        # (a join would be made for every match before the ranking keeps twenty).
        cases = cases.select_related(None).prefetch_related("industry", "region", "association")
        return search.search(cases, text)
    return cases


def by_path(cases: QuerySet, field: str, model, code) -> QuerySet:
    """The cases whose `field` (industry or region) is `code` or below it."""
    found = model.objects.filter(code=str(code)).values_list("path", flat=True).first()
    if not found:
        return cases.none()
    return cases.filter(**{f"{field}__path__startswith": found})


def review_queue(user) -> QuerySet:
    """Drafts and reviewed cases of the associations the user writes for, oldest first."""
    return (
        access.visible(user)
        .filter(status__in=(Case.Status.DRAFT, Case.Status.REVIEWED))
        .exclude(suggested_by_id=user.pk)
        .select_related("association", "suggested_by")
        .order_by("created_at", "id")
    )


def get_visible(user, pk) -> Case:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(access.visible(user).select_related("industry", "region"), pk=pk)


def found_page(cases: QuerySet, *, offset: int, limit: int) -> tuple[list[Case], int]:
    """A page of a search's cases (`library` with text), best match first, and how many it
    found: the ranking query counts the matches too (cases.search.ranked), then the page's
    cases are read by id, joined to their industry, region and association (a join for the
    page's rows only: `library` prefetches them instead, which then has nothing left to do),
    with their tags."""
    ids, found = search.ranked(cases, offset=offset, limit=limit)
    if found is None:  # nothing found, or a page past the last one
        return [], (cases.count() if offset else 0)
    page = cases.select_related("industry", "region", "association").filter(pk__in=ids)
    rows = {case.pk: case for case in page}
    return [rows[pk] for pk in ids if pk in rows], found
