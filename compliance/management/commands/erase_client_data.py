from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from compliance.errors import ErasureRefused
from compliance.models import RequestSource
from compliance.services import data_erase

from ._owner import add_by_argument, add_person_arguments, owner_by, person_named


class Command(BaseCommand):
    help = ("Anonymise everything held about the guest with this phone (and/or --email) in one transaction, and "
            "record the answered request. Refused while they have bookings to come, unless --reason is given: "
            "those are then cancelled with it first.")

    def add_arguments(self, parser):
        add_person_arguments(parser)
        parser.add_argument("--reason", default="", help="Cancel their bookings still to come with this reason.")
        add_by_argument(parser)

    def handle(self, *args, phone="", email="", reason="", by=None, **options):
        owner = owner_by(by, "erase_client_data")
        person = person_named(phone=phone, email=email)
        try:
            request = data_erase(person=person, by=owner, reason=reason, source=RequestSource.SHELL)
        except ErasureRefused as refused:
            listed = ", ".join(booking.reference for booking in refused.bookings)
            raise CommandError(f"{refused.message} ({listed})") from None
        bookings, cards = request.counts.get("bookings", 0), request.counts.get("client_cards", 0)
        self.stdout.write(_("Erased: %(bookings)s anonymised, %(cards)s removed; request #%(request)s.") % {
            "bookings": ngettext("%(count)s booking", "%(count)s bookings", bookings) % {"count": bookings},
            "cards": ngettext("%(count)s client card", "%(count)s client cards", cards) % {"count": cards},
            "request": request.pk})
