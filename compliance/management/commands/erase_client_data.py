from django.core.management.base import BaseCommand, CommandError

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
        self.stdout.write(f"Erased: {request.counts.get('bookings', 0)} booking(s) anonymised, "
                          f"{request.counts.get('client_cards', 0)} client card(s) removed; request #{request.pk}.")
