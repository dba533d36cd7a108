"""Recording data-subject requests in the register. The guest pages (``bookings.public``) come here, so this
module stays free of the outbox and the rest of compliance: import-linter keeps ``bookings`` away from
``notifications``."""

from django.db import transaction

from bookings.models import Booking

from .models import DataRequest, RequestKind, RequestSource, RequestStatus


def guest_data_request(*, booking: Booking, kind: str) -> tuple[DataRequest, bool]:
    """The guest behind ``booking`` (who proved its reference and phone) asks for a copy of their data or its
    erasure. A second ask of the same kind while the first is open is the same request: (request, created)."""
    if kind not in RequestKind.values:
        raise ValueError(f"Unknown request kind {kind!r}")
    with transaction.atomic():
        open_request = DataRequest.objects.filter(kind=kind, phone_index=booking.client_phone_index,
                                                  status=RequestStatus.OPEN).first()
        if open_request is not None:
            return open_request, False
        request = DataRequest.objects.create(kind=kind, source=RequestSource.GUEST, booking=booking,
                                             phone_index=booking.client_phone_index,
                                             notify=bool(booking.client_email))
    return request, True
