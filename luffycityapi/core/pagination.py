from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N` (and `?size=`, at most 50); an out-of-range page is a 404 with a code like every error."""

    page_size_query_param = "size"
    max_page_size = 50
