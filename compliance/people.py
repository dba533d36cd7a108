"""A data subject: everything the studio holds about one person, found by their phone or email.

Found through keyed indexes, never by decrypting what is stored: the phone's blind index on the bookings and
client cards, the email's keyed index on both (the register keeps only these).
"""

from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from bookings.models import Booking, Client
from notifications.models import Audience, Notification


@dataclass
class Person:
    """What is held about one person: their bookings and client cards (by primary key)."""

    phone_index: str = ""
    email_hash: str = ""
    booking_ids: list[int] = field(default_factory=list)
    client_ids: list[int] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.booking_ids or self.client_ids)

    def bookings(self) -> QuerySet:
        return Booking.objects.filter(pk__in=self.booking_ids)

    def clients(self) -> QuerySet:
        return Client.objects.filter(pk__in=self.client_ids)

    def notifications(self) -> QuerySet:
        """The messages to the person (staff's messages about their bookings are the staff's)."""
        return Notification.objects.filter(booking_id__in=self.booking_ids, audience=Audience.GUEST)

    def audit_entries(self) -> QuerySet:
        booking_type, client_type = ContentType.objects.get_for_models(Booking, Client).values()
        return LogEntry.objects.filter(
            Q(content_type=booking_type, object_id__in=self.booking_ids)
            | Q(content_type=client_type, object_id__in=self.client_ids))


def person_find(*, phone_index: str = "", email_hash: str = "") -> Person:
    """Everything held about the person with this phone blind index and/or email hash."""
    booking_ids, client_ids = set(), set()
    if phone_index:
        booking_ids |= set(Booking.objects.filter(client_phone_index=phone_index).values_list("pk", flat=True))
        client_ids |= set(Client.objects.filter(phone_index=phone_index).values_list("pk", flat=True))
    if email_hash:
        booking_ids |= set(Booking.objects.filter(client_email_index=email_hash).values_list("pk", flat=True))
        client_ids |= set(Client.objects.filter(email_index=email_hash).values_list("pk", flat=True))
    # A client card is one phone: every booking on a card found is the person's.
    booking_ids |= set(Booking.objects.filter(client_id__in=client_ids).values_list("pk", flat=True))
    return Person(phone_index=phone_index, email_hash=email_hash, booking_ids=sorted(booking_ids),
                  client_ids=sorted(client_ids))
