"""The search box in every staff page's header: clients and bookings by a name, a part of a phone, an email or a
booking's reference, among what the employee may see."""

import re

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from employees.access import staff_required
from studio_crm.htmx import page_or_partial

from .access import visible_bookings, visible_clients
from .search import bookings_matching, clients_matching, full_phone_index, searched_digits

# Rows in the box's list as one types; the page shows more, and links to the full lists for the rest.
SUGGESTED = 5
LISTED = 20
WHOLE_REFERENCE = re.compile(r"REF-\d{8}-[A-Z0-9]{4}")
# A search shorter than this is not run: one letter finds half the studio.
SHORTEST = 2


def _sole_exact_match(user, text: str):
    """The booking with this whole reference, or the only client with this whole phone, if there is one."""
    if WHOLE_REFERENCE.fullmatch(text.upper()):
        return visible_bookings(user).filter(reference=text.upper()).first()
    if searched_digits(text) and (index := full_phone_index(text)):
        clients = list(visible_clients(user).filter(phone_index=index)[:2])
        return clients[0] if len(clients) == 1 else None
    return None


@staff_required
@require_GET
def search(request):
    text = (request.GET.get("q") or "").strip()[:100]
    htmx = bool(request.htmx and not request.htmx.history_restore_request)
    # Sent from the box (Enter, or without scripts), a whole reference or phone opens its page.
    if not htmx and (found := _sole_exact_match(request.user, text)):
        return redirect(found)
    limit = SUGGESTED if htmx else LISTED
    clients, bookings = [], []
    if len(text) >= SHORTEST:
        clients = list(clients_matching(visible_clients(request.user), text).order_by("name", "pk")[:limit + 1])
        bookings = list(bookings_matching(visible_bookings(request.user), text)
                        .select_related("space").order_by("-start", "-pk")[:limit + 1])
    clients, more_clients = clients[:limit], len(clients) > limit
    bookings, more_bookings = bookings[:limit], len(bookings) > limit
    return render(request, page_or_partial(request, "search/results.html", "dropdown"), {
        "q": text, "searched": len(text) >= SHORTEST, "found": len(clients) + len(bookings),
        "clients": clients, "more_clients": more_clients, "bookings": bookings, "more_bookings": more_bookings,
    })
