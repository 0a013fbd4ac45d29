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


class CountKeptPaginator(Paginator):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # the caller: one who just wrote counts afresh

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        try:
            sql, params = queryset.query.sql_with_params()
        except Exception:  # not a queryset, or one that compiles to nothing (an empty IN)
            return super().count
        digest = hashlib.sha256(f"{queryset.db}|{sql}|{params!r}".encode()).hexdigest()
        key = f"list-count:{digest}"
        kept = cache.get(key)
        # Asked only when a kept count would be used: most lists are never kept.
        if kept is not None and not replica.wrote_within(self.user, COUNT_KEPT_SECONDS):
            return kept
        counted = queryset.count()
        if counted >= COUNT_KEPT_FROM:
            cache.set(key, counted, COUNT_KEPT_SECONDS)
        elif kept is not None:
            cache.delete(key)  # no longer worth keeping: the others count too
        return counted
