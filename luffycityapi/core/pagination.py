from rest_framework import exceptions, pagination

from .errors import NotFound, ShopError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N` (and `?size=`, at most 50). A page that is not a positive whole number is bad input (400
    invalid_page); a well-formed page past the end is a 404 page_not_found. Both carry {errmsg, code}."""

    page_size_query_param = "size"
    max_page_size = 50

    def get_page_number(self, request, paginator):
        page_number = super().get_page_number(request, paginator)
        if isinstance(page_number, int):  # the default first page or `last`
            return page_number
        # isdecimal() alone would accept full-width digits; isascii() keeps the page a plain number.
        if not (page_number.isascii() and page_number.isdecimal()) or int(page_number) < 1:
            raise ShopError("页码必须是正整数", code="invalid_page")
        return int(page_number)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise NotFound("页码超出范围", code="page_not_found") from exc
