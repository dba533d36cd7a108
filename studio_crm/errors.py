"""Error pages in the back office's design (and JSON for the API)."""

from django.shortcuts import render
from django.utils.translation import gettext


def _render(request, status: int, title: str, message: str):
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def permission_denied(request, exception=None):
    return _render(request, 403, "Not allowed", "Your role does not give access to this page.")


def page_not_found(request, exception=None):
    return _render(request, 404, "Page not found", "The page does not exist, or it is not yours to see.")


def server_error(request):
    return _render(request, 500, "Something went wrong", "The error has been logged. Please try again in a moment.")


def service_unavailable(request, *, retry_after: int):
    """The page for a request the studio cannot serve right now; it must not touch the database."""
    response = _render(request, 503, gettext("Busy right now"),
                       gettext("Too many people are using the studio's pages at once. Please try again in a few seconds."))
    response["Retry-After"] = str(retry_after)
    return response
