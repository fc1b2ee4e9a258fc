from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page=``, ``?page_size=`` up to 500.

    A page past the end is a 404 in the error envelope.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
