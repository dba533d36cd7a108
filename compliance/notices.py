"""The guest's email when their data request is answered, through the notifications outbox.

A copy of the data is never attached: an address typed on a booking form proves nothing about who reads it,
and a ZIP of someone's personal data sent to the wrong inbox is a breach. The guest is told it is ready and
how to collect it from the studio, where they are recognised. The erasure notice is the one message that
knows the address after the erasure; ``notices_forget`` clears it once it is sent.
"""

from django.utils.translation import gettext as _

from notifications.models import OPEN_STATUSES, Audience, Channel, Kind, Notification
from notifications.services import outbox_write

from .models import DataRequest, RequestKind, RequestSource, RequestStatus

KINDS = {RequestKind.EXPORT: Kind.DATA_EXPORT, RequestKind.ERASE: Kind.DATA_ERASED}


def guest_texts(kind: str, payload: dict) -> tuple[str, str]:
    """(subject, first paragraph) of the guest's email for one of ``KINDS``, in the active language (the
    guest's: notifications.emails renders it so)."""
    if payload.get("refused"):
        return (_("About your request on your personal data"),
                _("The studio has closed your request about your personal data without acting on it. Please "
                  "call the studio if you want to know why or to ask again."))
    if kind == KINDS[RequestKind.EXPORT]:
        return (_("A copy of your personal data is ready"),
                _("The studio has prepared a copy of the personal data it holds about you. For your safety it "
                  "is not sent by email: call or visit the studio to receive it."))
    return (_("Your personal data has been erased"),
            _("As you asked, the studio has erased your name, phone number, email and notes from its records. "
              "What stays is anonymous: times, halls and amounts, which accounting requires."))


def data_request_notice(request: DataRequest, email: str) -> None:
    """Queue the guest's email about ``request`` to ``email`` (read before any erasure), if they asked online."""
    if request.source != RequestSource.GUEST or not request.notify or request.booking is None or not email:
        return
    kind = KINDS[request.kind]
    outbox_write([Notification(
        kind=kind, channel=Channel.EMAIL, audience=Audience.GUEST, booking=request.booking, recipient=email,
        payload={"refused": request.status == RequestStatus.REFUSED},
        dedupe_key=f"{kind}:{request.pk}:email:guest")])


def notices_forget() -> int:
    """Clear the address of every data-request email already sent (or given up)."""
    return (Notification.objects.filter(kind__in=KINDS.values()).exclude(status__in=OPEN_STATUSES)
            .exclude(recipient="").update(recipient=""))
