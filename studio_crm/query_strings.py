"""Control characters are refused before any view reads them: in a query string any of them, in a form body
the NUL character.

No page or API parameter of the studio has a use for them, and some reach the database as they are
(PostgreSQL refuses a NUL in a string with an error, which would be a 500). Django's text form fields already
refuse a NUL, but a choice looked up in the database (a hall by its slug) does not. Line breaks and tabs stay
allowed in bodies: notes are typed on several lines.
"""

import re
from urllib.parse import unquote_plus

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import request_language

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def has_control_characters(query_string: str) -> bool:
    return bool(CONTROL.search(unquote_plus(query_string, errors="replace")))


def has_nul(request) -> bool:
    if request.method != "POST" or request.content_type not in FORMS:
        return False
    try:
        fields = request.POST
    except Exception:  # a body Django cannot read: the view's own handling (a 400) answers it
        return False
    return any("\x00" in value for values in fields.lists() for value in values[1])


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_characters(request.META.get("QUERY_STRING", "")) or has_nul(request):
            # Before the session and the language middleware: in the language the request asks for.
            with translation.override(request_language(request)):
                message = _("The address or the form contains characters that are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "invalid_query", "message": message}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
