import functools
import hashlib

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from core import replica

# Counting a hundred thousand rows took 44 of the 52 ms of a supply-requests page (decision
# 0032): a count that large is kept for a short while, per query, so that a partner paging
# through a list counts it once. Below COUNT_KEPT_FROM rows counting costs less than it matters;
# a caller who wrote in the last COUNT_KEPT_SECONDS (core.replica.wrote_within) counts afresh,
# and keeps the fresh count for the others, so that their own change shows at once.
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
        key = f"api-count:{digest}"
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


class PagePagination(PageNumberPagination):
    """`?page=N&page_size=M` (M up to 1000); answers `{count, next, previous, results}`.

    A `page_size` that is not a whole number from 1 up is refused (400, naming it), as any
    other malformed parameter is, rather than quietly replaced by the default; one above 1000
    is read as 1000. A `page` past the last one (or not a number) answers 404. A count past
    COUNT_KEPT_FROM rows is kept for COUNT_KEPT_SECONDS (CountKeptPaginator).
    """

    page_size_query_param = "page_size"
    max_page_size = 1000
    django_paginator_class = CountKeptPaginator

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = functools.partial(CountKeptPaginator, user=request.user)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param, "")
        if value == "":
            return self.page_size
        # Digits only: DRF's IntegerField would also take "20.0", which the schema's integer
        # does not allow.
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            message = _("Give page_size as a whole number from 1 up.")
            raise serializers.ValidationError({self.page_size_query_param: [message]})
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["allowEmptyValue"] = True  # the first page, the default size
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page (default {self.page_size}; more than "
                    f"{self.max_page_size} is read as {self.max_page_size})"
                )
        return parameters
