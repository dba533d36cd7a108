from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from compliance.keys import person_keys
from compliance.models import RequestSource
from compliance.people import person_find
from compliance.services import data_export

from ._owner import add_by_argument, owner_by


class Command(BaseCommand):
    help = ("Write a ZIP (JSON and CSV) of everything held about the guest with this phone (and/or --email), "
            "and record the answered request in the register.")

    def add_arguments(self, parser):
        parser.add_argument("--phone", default="", help="The guest's phone, in any common format.")
        parser.add_argument("--email", default="", help="The guest's email.")
        parser.add_argument("--output", default="", help="Where to write the ZIP (default personal-data-N.zip).")
        add_by_argument(parser)

    def handle(self, *args, phone="", email="", output="", by=None, **options):
        owner = owner_by(by, "export_client_data")
        try:
            phone_index, email_hash = person_keys(phone=phone, email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        person = person_find(phone_index=phone_index, email_hash=email_hash)
        if not person.found:
            raise CommandError("Nothing is held about this person.")
        request, content = data_export(person=person, by=owner, source=RequestSource.SHELL)
        path = Path(output or f"personal-data-{request.pk}.zip")
        path.write_bytes(content)
        path.chmod(0o600)
        self.stdout.write(f"Wrote {path} ({len(person.booking_ids)} booking(s)); request #{request.pk} answered.")
