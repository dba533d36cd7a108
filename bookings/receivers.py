"""The booking domain's own events, counted for /metrics (studio_crm/metrics.py). Connected in
BookingsConfig.ready(); the signals come after commit, so a change that rolled back is never counted."""

from studio_crm import metrics

from .models import ActorKind, BookingState


def booking_created(sender, booking, **kwargs):
    metrics.BOOKINGS_CREATED.labels(source=booking.source, state=booking.state).inc()


def booking_state_changed(sender, booking, from_state, to_state, actor_kind=None, **kwargs):
    metrics.BOOKING_TRANSITIONS.labels(from_state=from_state, to_state=to_state).inc()
    if to_state == BookingState.CANCELLED and actor_kind == ActorKind.GUEST:
        metrics.GUEST_CANCELLATIONS.inc()
