from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from compliance.models import RequestSource
from compliance.services import data_export

from ._owner import add_by_argument, add_person_arguments, owner_by, person_named


class Command(BaseCommand):
    help = ("Write a ZIP (JSON and CSV) of everything held about the guest with this phone (and/or --email), "
            "and record the answered request in the register.")

    def add_arguments(self, parser):
        add_person_arguments(parser)
        parser.add_argument("--output", default="", help="Where to write the ZIP (default personal-data-N.zip).")
        add_by_argument(parser)

    def handle(self, *args, phone="", email="", output="", by=None, **options):
        owner = owner_by(by, "export_client_data")
        person = person_named(phone=phone, email=email)
        request, content = data_export(person=person, by=owner, source=RequestSource.SHELL)
        path = Path(output or f"personal-data-{request.pk}.zip")
        path.write_bytes(content)
        path.chmod(0o600)
        count = len(person.booking_ids)
        self.stdout.write(ngettext("Wrote %(path)s (%(count)s booking); request #%(request)s answered.",
                                   "Wrote %(path)s (%(count)s bookings); request #%(request)s answered.", count)
                          % {"path": path, "count": count, "request": request.pk})
