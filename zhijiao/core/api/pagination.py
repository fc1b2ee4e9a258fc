from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page-number pagination; ``page_size`` may be raised by the client up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
