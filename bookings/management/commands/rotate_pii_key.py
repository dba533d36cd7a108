from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import ngettext

from bookings.models import Booking, Client

# Model -> its encrypted fields. Loading decrypts with whichever key in PII_KEYS fits; saving encrypts
# under the newest key, so a load and a bulk_update is the whole rotation.
ENCRYPTED = {Client: ["phone", "email"], Booking: ["client_phone", "client_email"]}
BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored phone and email under the newest key in PII_KEYS. Put a new key first in "
        "PII_KEYS, run this, then remove the old key. --generate prints a new key to add."
    )

    def add_arguments(self, parser):
        parser.add_argument("--generate", action="store_true", help="Print a new key and change nothing.")

    def handle(self, *args, generate=False, **options):
        if generate:
            self.stdout.write(Fernet.generate_key().decode())
            return
        total = sum(self.rotate(model, fields) for model, fields in ENCRYPTED.items())
        self.stdout.write(self.style.SUCCESS(ngettext(
            "Re-encrypted %(count)s row under the newest key in PII_KEYS (keys in all: %(keys)s). "
            "Older keys can now be removed from PII_KEYS.",
            "Re-encrypted %(count)s rows under the newest key in PII_KEYS (keys in all: %(keys)s). "
            "Older keys can now be removed from PII_KEYS.",
            total,
        ) % {"count": total, "keys": len(settings.PII_KEYS)}))

    @staticmethod
    def rotate(model, fields) -> int:
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for offset in range(0, len(pks), BATCH):
            with transaction.atomic():
                rows = list(model.objects.select_for_update().filter(pk__in=pks[offset:offset + BATCH]).only(*fields))
                model.objects.bulk_update(rows, fields)
        return len(pks)
