"""An OutOfScope escaping a page view becomes the 404 page (never a 403 that confirms the row exists).

The API has its own exception handler; this covers the HTML pages.
"""

from zhijiao.core.services import OutOfScope


class OutOfScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OutOfScope):
            from zhijiao.core.views.errors import page_not_found

            return page_not_found(request, exception)
        return None
