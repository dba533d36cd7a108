"""Emails to guests and to staff who asked for them: plain text and HTML from templates, an .ics file
with a confirmation. Sent through ``EMAIL_URL``'s backend."""

import smtplib
from collections.abc import Callable
from datetime import UTC

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from icalendar import Calendar, Event

from .errors import Undeliverable
from .languages import booking_when, language_for
from .models import Audience, Kind, Notification

# Guest emails of kinds other apps queue (compliance: answered data requests): kind -> a function of
# (kind, payload) giving (subject, first paragraph), registered in that app's ready(). It is called with the
# guest's language active.
OTHER_GUEST_TEXTS: dict[str, Callable[[str, dict], tuple[str, str]]] = {}


def _guest_texts(kind: str, payload: dict) -> tuple[str, str]:
    """(subject, first paragraph) of a guest's email; %(reference)s and friends are filled in later."""
    if kind in OTHER_GUEST_TEXTS:
        return OTHER_GUEST_TEXTS[kind](kind, payload)
    if kind == Kind.REQUESTED:
        return (_("We have your request %(reference)s"),
                _("Thank you: we have your request for %(space)s. The studio confirms it shortly; until then "
                  "the time is held for you."))
    if kind == Kind.CONFIRMED:
        return (_("Your booking %(reference)s is confirmed"),
                _("Your booking of %(space)s is confirmed. The attached calendar file adds it to your calendar."))
    if kind == Kind.CANCELLED and payload.get("expired"):
        return (_("Your request %(reference)s has expired"),
                _("We are sorry: the studio could not confirm your request for %(space)s in time, so it is "
                  "cancelled and the time is free again. Book another time or call the studio."))
    if kind == Kind.CANCELLED:
        return (_("Your booking %(reference)s is cancelled"),
                _("Your booking of %(space)s is cancelled. If you did not expect this, please call the studio."))
    if kind == Kind.RESCHEDULED:
        return (_("Your booking %(reference)s has changed"),
                _("Your booking has changed. Here are its details as they are now."))
    return (_("Reminder: %(space)s, %(when)s"),
            ngettext("A reminder of your booking of %(space)s, in about %(hours)s hour.",
                     "A reminder of your booking of %(space)s, in about %(hours)s hours.",
                     _hours(payload)))


def _hours(payload: dict) -> int:
    try:
        return int(payload.get("hours") or 0)
    except (TypeError, ValueError):
        return 0


def _staff_texts(kind: str) -> tuple[str, str]:
    texts = {
        Kind.REQUESTED: (_("New request %(reference)s"), _("A new request for %(space)s waits for confirmation.")),
        Kind.CONFIRMED: (_("%(reference)s is confirmed"), _("%(who)s confirmed the booking.")),
        Kind.CANCELLED: (_("%(reference)s is cancelled"), _("%(who)s cancelled the booking: %(reason)s")),
        Kind.RESCHEDULED: (_("%(reference)s has changed"), _("%(who)s changed the time or hall of the booking.")),
        Kind.NO_SHOW: (_("%(reference)s: no-show"), _("%(who)s marked the booking a no-show: %(reason)s")),
    }
    return texts[kind]


def _who(payload: dict) -> str:
    if payload.get("by"):
        return payload["by"]
    return pgettext("who acted", "The system") if payload.get("expired") else pgettext("who acted", "The guest")


def booking_ics(booking) -> bytes:
    """The booking as one calendar event, for the guest's calendar."""
    calendar = Calendar()
    calendar.add("prodid", "-//Studio CRM//Booking//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{booking.reference}@studio-crm")
    event.add("summary", f"{booking.space.name} · {settings.STUDIO_NAME}")
    event.add("location", f"{settings.STUDIO_NAME}, {booking.space.name}")
    event.add("description", _("Booking %(reference)s") % {"reference": booking.reference})
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("dtstamp", timezone.now())
    event.add("sequence", booking.version)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def email_message(notification: Notification) -> EmailMultiAlternatives:
    """The email of ``notification``, subject and body in its reader's language (``language_for``)."""
    with translation.override(language_for(notification)):
        return _email_message(notification)


def _email_message(notification: Notification) -> EmailMultiAlternatives:
    booking, payload, kind = notification.booking, notification.payload, notification.kind
    guest = notification.audience == Audience.GUEST
    subject, lead = _guest_texts(kind, payload) if guest else _staff_texts(kind)
    values = {"reference": booking.reference, "space": booking.space.name, "when": booking_when(booking),
              "hours": _hours(payload), "reason": payload.get("reason", ""), "who": _who(payload)}
    context = {"booking": booking, "kind": kind, "lead": lead % values, "title": subject % values,
               "studio_name": settings.STUDIO_NAME, "when": values["when"], "recipient_is_guest": guest}
    template = "notifications/email/guest" if guest else "notifications/email/staff"
    message = EmailMultiAlternatives(
        subject=context["title"], body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.recipient],
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if guest and kind == Kind.CONFIRMED:
        message.attach(f"{booking.reference}.ics", booking_ics(booking), "text/calendar")
    return message


def send_notification(notification: Notification) -> None:
    try:
        email_message(notification).send()
    except smtplib.SMTPRecipientsRefused as error:
        raise Undeliverable(_("The mail server refused the address.")) from error
