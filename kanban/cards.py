"""The board's cards as HTML, each rendered once per version of its booking and kept in the cache.

A card shows its booking (whose version changes with every change of it), the moves it offers (some only
from its start time), its space's name and colour, in the employee's language and the studio's time zone,
through the card template. Nothing else of the employee looking at it is in the card but its form's CSRF
token and the board to come back to, which each request puts in. So a rendering is kept under all of
that, and one rendering serves every board that shows the card.
"""

import hashlib
import logging

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from bookings.models import Booking

from .services import card_moves

log = logging.getLogger("studio.kanban")

TEMPLATE = "kanban/board.html"
CACHE_SECONDS = 24 * 60 * 60
# Where a kept card takes the form fields of the request that shows it. Typed text never contains it:
# the template escapes "<".
FORM_FIELDS = mark_safe("<!--kanban-card-form-fields-->")


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=6).hexdigest()


def _rendering_key(viewer) -> str:
    """What every card of one board is rendered under: the language, the time zone, the card template
    (a deployment that changes it renders afresh), and whether the viewer works on every space, so that a
    manager's board and an owner's never share a card should the card ever show one of them more."""
    template = get_template(TEMPLATE).template.source
    return ":".join([translation.get_language() or "", timezone.get_current_timezone_name(), _digest(template),
                     "all" if viewer.is_admin_or_owner else "assigned"])


def _card_key(booking: Booking, *, rendering: str, now) -> str:
    # The version changes with every change of the booking; the time of the change tells apart two rows
    # that had the same id and version (SQLite gives a rolled-back row's id again).
    changed = int(booking.updated_at.timestamp() * 1_000_000)
    started = int(now >= booking.start)
    space = booking.space
    return (f"kanban-card:{booking.pk}:{booking.version}:{changed}:{started}:{rendering}:"
            f"{_digest(str(space.pk), space.name, space.colour)}")


def _render(booking: Booking) -> str:
    booking.moves = card_moves(booking)
    return render_to_string(f"{TEMPLATE}#card", {"booking": booking, "form_fields": FORM_FIELDS})


# Without Redis the cards are kept in a local-memory cache of their own: the default one holds 300
# entries, and a board of a thousand cards would push out its rate-limit counters.
_LOCAL = LocMemCache("kanban-cards", {"TIMEOUT": CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 10_000}})


def _cards_cache():
    default = caches["default"]
    return _LOCAL if isinstance(default, LocMemCache) else default


def _kept(keys: list[str]) -> dict[str, str]:
    try:
        return _cards_cache().get_many(keys)
    except Exception:  # the board still shows without its cache (Redis down), only slower
        log.warning("kanban cards read without the cache", exc_info=True)
        return {}


def _keep(rendered: dict[str, str]) -> None:
    try:
        _cards_cache().set_many(rendered, CACHE_SECONDS)
    except Exception:
        log.warning("kanban cards not kept in the cache", exc_info=True)


def cards_html(bookings: list[Booking], *, viewer, form_fields: str) -> list[SafeString]:
    """The cards of ``bookings`` as ``viewer`` sees them, each with ``form_fields`` in its form.

    Reads the cache once and renders only the cards not in it."""
    now = timezone.now()
    rendering = _rendering_key(viewer)
    keys = [_card_key(booking, rendering=rendering, now=now) for booking in bookings]
    found = _kept(keys)
    missing = {key: _render(booking) for key, booking in zip(keys, bookings, strict=True) if key not in found}
    if missing:
        _keep(missing)
        found.update(missing)
    return [mark_safe(found[key].replace(FORM_FIELDS, form_fields)) for key in keys]


def form_fields(request, *, next_url: str = "") -> SafeString:
    """The fields a card's form takes from the request that shows it: the CSRF token, and the board
    (``next_url``) a plain form comes back to."""
    fields = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    if next_url:
        fields += format_html('<input type="hidden" name="next" value="{}">', next_url)
    return fields


def card_html(booking: Booking, request) -> SafeString:
    """One card, as the board shows it: the answer to a move carries it."""
    return cards_html([booking], viewer=request.user, form_fields=form_fields(request))[0]


def columns_html(columns, request, *, next_url: str) -> None:
    """Render every column's cards into its ``html``, with one read of the cache for the whole board;
    a plain form on a card comes back to ``next_url``."""
    fields = form_fields(request, next_url=next_url)
    rendered = iter(cards_html([booking for column in columns for booking in column.cards], viewer=request.user,
                               form_fields=fields))
    for column in columns:
        column.html = mark_safe("".join(next(rendered) for _ in column.cards))
