"""Which language a message is written in, and how a message writes a booking's time.

A message is rendered when it is sent, in its reader's language: a guest's in the language they booked in
(``Booking.language``), a staff email in the employee's account language, the staff chat in the studio's.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from studio_crm.formatting import when
from studio_crm.languages import language_of

from .models import Audience, Notification


def language_for(notification: Notification) -> str:
    """The language ``notification`` is written in."""
    if notification.audience == Audience.GUEST:
        return language_of(notification.booking)
    if notification.employee_id is not None:
        return language_of(notification.employee)
    return settings.STUDIO_LANGUAGE


def booking_when(booking) -> str:
    """``вт, 1 декабря, 10:00–12:00`` / ``Tue 1 Dec, 10:00–12:00`` on the studio's clock, in the active language."""
    return _("%(day)s, %(start)s–%(end)s") % {
        "day": when(booking.start, "day"), "start": when(booking.start, "time"), "end": when(booking.end, "time")}
