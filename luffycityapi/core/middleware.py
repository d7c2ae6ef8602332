"""The API's error contract at the outermost layer: whatever answers an /api/ request with an error that is not
JSON — Django's debug 404 and technical 500 pages when DEBUG is on, its plain error pages, a response built by an
inner middleware — leaves as {errmsg, code} with the same status. No traceback, URL list or settings dump ever
reaches an API client, whatever DEBUG says; the admin and the SPA keep Django's pages."""
from django.http import JsonResponse

from .errors import http_error_body, is_api

# Headers an error response must keep: how to authenticate, which methods exist, when to come back.
KEPT_HEADERS = ("WWW-Authenticate", "Allow", "Retry-After")


class ApiJsonErrorsMiddleware:
    """First in MIDDLEWARE, so it sees the responses Django made from exceptions raised anywhere inside."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or not is_api(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        replacement = JsonResponse(http_error_body(response.status_code), status=response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
