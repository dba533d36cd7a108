"""Error pages in the back office's design (and JSON for the API)."""

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext


def _render(request, status: int, title: str, message: str):
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    """A request Django could not read (a body in an unknown charset, too many fields). Unlike Django's own,
    this page does not look at the body again, so it cannot fail the same way."""
    return _render(request, 400, gettext("Bad request"),
                   gettext("The page could not read what was sent. Go back and try again."))


def permission_denied(request, exception=None):
    return _render(request, 403, gettext("Not allowed"), gettext("Your role does not give access to this page."))


def page_not_found(request, exception=None):
    return _render(request, 404, gettext("Page not found"),
                   gettext("The page does not exist, or it is not yours to see."))


def server_error(request):
    return _render(request, 500, gettext("Something went wrong"),
                   gettext("The error has been logged. Please try again in a moment."))


def request_language(request) -> str:
    """The language of an answer given before the session is read (so before the account's language is
    known, and without the database): the switcher's cookie, else the browser's Accept-Language, else
    the studio's."""
    return translation.get_language_from_request(request)


def service_unavailable(request, *, retry_after: int):
    """The page for a request the studio cannot serve right now; it must not touch the database."""
    with translation.override(request_language(request)):
        response = _render(
            request, 503, gettext("Busy right now"),
            gettext("Too many people are using the studio’s pages at once. Please try again in a few seconds."),
        )
    response["Retry-After"] = str(retry_after)
    return response
