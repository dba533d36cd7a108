"""Query strings with control characters are refused before any view reads them.

No page or API parameter of the studio has a use for them, and some reach the database as they are
(PostgreSQL refuses a NUL in a string with an error, which would be a 500).
"""

import re
from urllib.parse import unquote_plus

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def has_control_characters(query_string: str) -> bool:
    return bool(CONTROL.search(unquote_plus(query_string, errors="replace")))


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.META.get("QUERY_STRING", "")):
            message = _("The address contains characters that are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "invalid_query", "message": message}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
