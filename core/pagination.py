"""Counts of long lists kept for a short while (the API's pages and the member list)."""

import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from core import replica

# Counting a hundred thousand rows took 44 of the 52 ms of a supply-requests page, and 100 of
# the 160 ms of the member list narrowed to small enterprises at national scale (decision 0032):
# a count that large is kept for a short while, per query (the query names the caller's scope),
# so that a partner paging through a list, or staff going back to the same list, count it
# once. Below COUNT_KEPT_FROM rows counting costs less than it matters; a caller who wrote in
# the last COUNT_KEPT_SECONDS (core.replica.wrote_within) counts afresh, and keeps the fresh
# count for the others, so that their own change shows at once.
COUNT_KEPT_FROM = 10_000
COUNT_KEPT_SECONDS = 30


def query_key(figure: str, queryset) -> str | None:
    """A key naming `figure` (a count…) of `queryset`, by its SQL and parameters (which name the
    caller's scope); None for a queryset that compiles to nothing (an empty IN), which is cheap
    to read anyway."""
    try:
        sql, params = queryset.query.sql_with_params()
    except Exception:
        return None
    return f"{figure}:" + hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()


def kept_for_a_while(key: str | None, compute, *, user, worth_keeping=lambda value: True):
    """`compute()`, a figure of a list or a table (its count, its totals) named by `key`, kept
    for COUNT_KEPT_SECONDS when `worth_keeping(it)`; `user` computes afresh when they wrote in
    that time, and keeps the fresh figure for the others. Computed each time without a key."""
    if key is None:
        return compute()
    key = f"kept-figure:{key}"
    kept = cache.get(key)
    # Asked only when a kept figure would be used: most lists are never kept.
    if kept is not None and not replica.wrote_within(user, COUNT_KEPT_SECONDS):
        return kept
    value = compute()
    if worth_keeping(value):
        cache.set(key, value, COUNT_KEPT_SECONDS)
    elif kept is not None:
        cache.delete(key)  # no longer worth keeping: the others compute it too
    return value


class CountKeptPaginator(Paginator):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # the caller: one who just wrote counts afresh

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        return kept_for_a_while(
            query_key("count", queryset),
            queryset.count,
            user=self.user,
            worth_keeping=lambda counted: counted >= COUNT_KEPT_FROM,
        )


class CountedPaginator(Paginator):
    """A paginator told its count: counted by the caller in the same pass as other figures of
    the same rows (a list's total, the choices that narrow it), rather than counted again."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count
