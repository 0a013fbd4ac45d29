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
        cases = cases.filter(industry__path__startswith=_path_of(Industry, industry))
    if region:
        cases = cases.filter(region__path__startswith=_path_of(Region, region))
    if size:
        cases = cases.filter(size=size)
    cases = cases.prefetch_related("tags")
    if text:
        return search.search(cases, text)
    return cases


def _path_of(model, code) -> str:
    found = model.objects.filter(code=str(code)).values_list("path", flat=True).first()
    return found or "-none-"


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
