"""Small helpers every server-rendered page with htmx swaps needs."""

from django.utils.http import url_has_allowed_host_and_scheme


def page_or_partial(request, template: str, partial: str) -> str:
    """The partial for an htmx swap; the whole page for a normal request or an htmx history restore."""
    if request.htmx and not request.htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def safe_next(request, default: str) -> str:
    """The ``next`` URL from the form or query string if it points back into this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default
