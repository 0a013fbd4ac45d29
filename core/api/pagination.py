from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=N&page_size=M` (M up to 1000); answers `{count, next, previous, results}`."""

    page_size_query_param = "page_size"
    max_page_size = 1000
