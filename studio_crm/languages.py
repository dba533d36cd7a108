"""Who reads which language.

Guests: Django's LocaleMiddleware (the switcher's cookie, else the browser's Accept-Language, else
STUDIO_LANGUAGE). Staff: the language of their account, else STUDIO_LANGUAGE, on every page and whatever the
browser says; mail and messages go out in the recipient's language (``language_of``).
"""

from django.conf import settings
from django.utils import translation


def language_of(person) -> str:
    """The language to write to an employee or a booking's guest in: their own, else the studio's."""
    chosen = getattr(person, "language", "") or ""
    return chosen if chosen in dict(settings.LANGUAGES) else settings.STUDIO_LANGUAGE


class StaffLanguageMiddleware:
    """After authentication: a signed-in employee's pages are in their account's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = language_of(user)
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
