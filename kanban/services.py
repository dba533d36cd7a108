"""The Kanban board: which cards an employee sees, moving them, and telling every open board.

A column is a booking state. Moving a card between columns is a state transition through
``bookings.services.booking_transition``; the order of cards inside a column is the board's own
data (``CardPosition``). Every open board hears about a change after the transaction commits.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from bookings.access import visible_bookings
from bookings.dates import LATEST, day_bounds
from bookings.models import REASON_REQUIRED_STATES, TRANSITION_LABELS, Booking, BookingState
from bookings.services import booking_transition
from employees.models import Employee

from .models import CardPosition

log = logging.getLogger("studio.kanban")


def board_group() -> str:
    """The channel-layer group of every open board (a setting so that each test has its own)."""
    return settings.KANBAN_GROUP

# The longest date range one board shows: keeps a careless filter from loading a year of bookings.
MAX_RANGE_DAYS = 62
DEFAULT_RANGE_DAYS = 7

# (state, column label, folded by default). Drafts are never on the board. A column is named as a heap of
# bookings, which some languages word otherwise than one booking's state.
COLUMNS = [
    (BookingState.PENDING, pgettext_lazy("board column", "New · pending"), False),
    (BookingState.CONFIRMED, pgettext_lazy("board column", "Confirmed"), False),
    (BookingState.IN_PROGRESS, pgettext_lazy("board column", "In progress"), False),
    (BookingState.COMPLETED, pgettext_lazy("board column", "Completed"), False),
    (BookingState.CANCELLED, pgettext_lazy("board column", "Cancelled"), False),
    (BookingState.NO_SHOW, pgettext_lazy("board column", "No-show"), True),
]
COLUMN_LABELS = {state: label for state, label, _ in COLUMNS}
BOARD_STATES = [state for state, _, _ in COLUMNS]


# A column shows its first cards (placed ones in the order staff left them, then by start time) and a
# "Show more" link for the next as many; at most MOST_CARDS_SHOWN, past which staff narrow the filters.
CARDS_PER_PAGE = 25
MOST_CARDS_SHOWN = 500
# The order of a column's cards, in the database.
CARD_ORDER = [F("card_position__position").asc(nulls_last=True), F("start").asc(), F("pk").asc()]


@dataclass
class Column:
    state: str
    label: str
    folded: bool
    shown: int = CARDS_PER_PAGE
    cards: list = field(default_factory=list)
    count: int = 0
    revenue: Decimal = Decimal("0.00")
    html: str = ""  # the cards, rendered (kanban.cards)
    more_url: str = ""  # the board with more of this column's cards, when there are more to show

    @property
    def hidden(self) -> int:
        """How many of the column's cards are beyond the ones it shows."""
        return max(self.count - self.shown, 0)


def default_range(today: date | None = None) -> tuple[date, date]:
    """Today and the next seven days, studio time."""
    today = today or timezone.localdate()
    return today, min(today + timedelta(days=DEFAULT_RANGE_DAYS), LATEST)


def board_bookings(user, *, date_from: date, date_to: date, space=None):
    """The bookings ``user`` may see that start between ``date_from`` and ``date_to`` (inclusive)."""
    first, after_last = day_bounds(date_from, date_to)
    bookings = (
        visible_bookings(user)
        .filter(state__in=BOARD_STATES, start__gte=first, start__lt=after_last)
        .select_related("space", "card_position")
        # A card shows no phone, email or internal notes: the board reads (and decrypts) none of them.
        .defer("client_phone", "client_email", "internal_notes")
    )
    if space is not None:
        bookings = bookings.filter(space=space)
    return bookings


def card_moves(booking: Booking) -> list[tuple[str, str]]:
    """The columns ``booking`` may move to now, as (state, label)."""
    return [(state, COLUMN_LABELS[state]) for state in booking.next_states() if state in COLUMN_LABELS]


def reason_questions() -> dict[str, str]:
    """What the board asks before a move that must say why, by the state moved to."""
    return {state: _("%(action)s?") % {"action": TRANSITION_LABELS[state]} for state in REASON_REQUIRED_STATES}


def board_columns(user, *, date_from: date, date_to: date, space=None,
                  shown: dict[str, int]) -> list[Column]:
    """The board's columns: each one's count and total, and its first ``shown[state]`` cards.

    Two queries whatever the number of bookings; what is read and rendered is bounded by ``shown``.
    """
    columns = {state: Column(state, label, folded, shown=shown[state]) for state, label, folded in COLUMNS}
    bookings = board_bookings(user, date_from=date_from, date_to=date_to, space=space)
    totals = bookings.order_by().values("state").annotate(count=Count("pk"), revenue=Sum("total_price"))
    for row in totals:
        columns[row["state"]].count, columns[row["state"]].revenue = row["count"], row["revenue"]
    ranked = bookings.annotate(rank=Window(RowNumber(), partition_by=[F("state")], order_by=CARD_ORDER))
    first = Q()
    for state, limit in shown.items():
        first |= Q(state=state, rank__lte=limit)
    for booking in ranked.filter(first).order_by(*CARD_ORDER):
        columns[booking.state].cards.append(booking)
    return list(columns.values())


def card_move(
    *,
    booking: Booking,
    to: str,
    by: Employee,
    version: int | None = None,
    reason: str = "",
    order: list[int] | None = None,
) -> Booking:
    """Move ``booking``'s card to the column of state ``to`` and keep the column in ``order``.

    A move to another column is a state transition (TransitionRefused, ValidationError,
    BookingConflict or StaleBooking when refused; nothing is written then). ``order`` is the
    column's booking ids top to bottom as the employee left them; ids of other columns are ignored.
    """
    with transaction.atomic():
        if to != booking.state:
            booking = booking_transition(booking=booking, to=to, by=by, reason=reason, version=version)
        if order:
            column_order_save(state=to, order=order, by=by)
        elif booking.state == to:
            # Moved without a place in mind (keyboard, menu): the card follows its column by time.
            CardPosition.objects.filter(booking=booking).delete()
    return booking


def column_order_save(*, state: str, order: list[int], by: Employee) -> list[int]:
    """Save the order of the cards of one column (those of them ``by`` may see); returns the ids placed."""
    wanted = list(dict.fromkeys(order))
    present = dict(visible_bookings(by).filter(pk__in=wanted, state=state).values_list("pk", "space_id"))
    placed = [pk for pk in wanted if pk in present]
    CardPosition.objects.bulk_create(
        [CardPosition(booking_id=pk, position=index) for index, pk in enumerate(placed)],
        update_conflicts=True,
        unique_fields=["booking"],
        update_fields=["position"],
    )
    # Each id with its space, so every board keeps only the cards its employee may see without a query.
    message = {"type": "board.order", "state": state, "ids": placed, "spaces": [present[pk] for pk in placed]}
    transaction.on_commit(lambda: broadcast(message), robust=True)
    return placed


def booking_event(booking: Booking, *, may_have_left_space: bool = True) -> dict:
    """The message every open board gets about a change of ``booking``: which card, where it is now.

    No markup: each page takes the card from its own board, fetched again from its server.
    ``state`` is None when the booking is no longer on the board (a draft). ``may_have_left_space``:
    the booking may have been in another space before this change, so boards that do not see its space
    now must drop its card if they show it.
    """
    return {"type": "booking.changed", "booking": booking.pk, "space": booking.space_id,
            "state": booking.state if booking.state in BOARD_STATES else None, "version": booking.version,
            "left_space": may_have_left_space}


def broadcast_booking(booking: Booking, *, may_have_left_space: bool = True) -> None:
    broadcast(booking_event(booking, may_have_left_space=may_have_left_space))


def broadcast(message: dict) -> None:
    """Tell every open board. Never raises: the change is already saved, the board is only a view of it."""
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(board_group(), message)
    except Exception:
        log.exception("kanban broadcast failed: %s", message.get("type"))
