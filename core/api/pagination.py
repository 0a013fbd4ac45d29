import functools

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from core.pagination import CountKeptPaginator


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
