from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compliance.errors import ErasureRefused
from compliance.keys import person_keys
from compliance.models import RequestSource
from compliance.people import person_find
from compliance.services import data_erase

from ._owner import add_by_argument, owner_by


class Command(BaseCommand):
    help = ("Anonymise everything held about the guest with this phone (and/or --email) in one transaction, and "
            "record the answered request. Refused while they have bookings to come, unless --reason is given: "
            "those are then cancelled with it first.")

    def add_arguments(self, parser):
        parser.add_argument("--phone", default="", help="The guest's phone, in any common format.")
        parser.add_argument("--email", default="", help="The guest's email.")
        parser.add_argument("--reason", default="", help="Cancel their bookings still to come with this reason.")
        add_by_argument(parser)

    def handle(self, *args, phone="", email="", reason="", by=None, **options):
        owner = owner_by(by, "erase_client_data")
        try:
            phone_index, email_hash = person_keys(phone=phone, email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        person = person_find(phone_index=phone_index, email_hash=email_hash)
        if not person.found:
            raise CommandError("Nothing is held about this person.")
        try:
            request = data_erase(person=person, by=owner, reason=reason, source=RequestSource.SHELL)
        except ErasureRefused as refused:
            listed = ", ".join(booking.reference for booking in refused.bookings)
            raise CommandError(f"{refused.message} ({listed})") from None
        self.stdout.write(f"Erased: {request.counts.get('bookings', 0)} booking(s) anonymised, "
                          f"{request.counts.get('client_cards', 0)} client card(s) removed; request #{request.pk}.")
