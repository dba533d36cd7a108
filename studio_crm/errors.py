"""Error pages in the back office's design (and JSON for the API)."""

from django.shortcuts import render


def _render(request, status: int, title: str, message: str):
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def permission_denied(request, exception=None):
    return _render(request, 403, "Not allowed", "Your role does not give access to this page.")


def page_not_found(request, exception=None):
    return _render(request, 404, "Page not found", "The page does not exist, or it is not yours to see.")


def server_error(request):
    return _render(request, 500, "Something went wrong", "The error has been logged. Please try again in a moment.")
