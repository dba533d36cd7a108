"""Response headers that keep pages to themselves: the content security policy and caching."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# The pages that show one guest's booking (name, phone, prices) to the browser that proved it.
GUEST_BOOKING_VIEWS = frozenset({"book_done", "book_lookup_detail", "book_cancel", "api_v1:booking"})


def websocket_origin(request: HttpRequest) -> str | None:
    """This host's websocket origin, ``wss://host`` behind HTTPS; None for a host Django refuses."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (``CONTENT_SECURITY_POLICY``) with this host's websocket origin in connect-src.

    CSP Level 3 lets 'self' match ws:// and wss:// on the page's own host, but older Safari releases
    do not, and the board and the calendar follow live updates over a websocket to that host.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origin = websocket_origin(request)
        if origin is not None:
            update = dict(parts.update or {})
            update["connect-src"] = [*update.get("connect-src", ()), origin]
            parts.update = update
        return parts


def shows_private_data(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    match = request.resolver_match
    return match is not None and match.view_name in GUEST_BOOKING_VIEWS


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a signed-in employee (pages, the CSV
    export) and on a guest's booking: no shared cache keeps them, nor the browser's disk or back/forward
    cache, so a shared computer shows nothing of them after sign-out.

    Other answers keep what their view chose. The iCal feeds keep ``private, max-age=300`` when a
    calendar app fetches them by their token: the app imports the events anyway, and the five minutes
    spare the server its polling.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if shows_private_data(request):
            response["Cache-Control"] = "private, no-store"
        return response
