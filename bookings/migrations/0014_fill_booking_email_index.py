"""The email's keyed index for the bookings already there, as Booking.save keeps it for new ones.

Outside one long transaction: each batch commits on its own, so a chain's history is not locked while its
emails are decrypted, and a run stopped half-way is finished by the next (a filled row no longer matches).
An email written under a key this deployment no longer has stays unindexed (``rotate_pii_key`` keeps rows
readable) and is counted in a warning: that booking is found by its phone, not its email.
"""

import logging

from cryptography.fernet import InvalidToken
from django.db import migrations, models
from django.db.models.functions import Cast

from bookings.pii import decrypt
from bookings.search import email_index

# Rows per statement: bulk_update writes a CASE over every row of its batch.
BATCH = 500
log = logging.getLogger("studio.migrations")


def fill_the_email_index(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    unfilled = (Booking.objects.exclude(client_email="").filter(client_email_index="")
                .annotate(stored=Cast("client_email", models.TextField())))
    last, unreadable = 0, 0
    while True:
        batch = list(unfilled.filter(pk__gt=last).order_by("pk").values_list("pk", "stored")[:BATCH])
        if not batch:
            break
        rows = []
        for pk, token in batch:
            try:
                rows.append(Booking(pk=pk, client_email_index=email_index(decrypt(token))))
            except InvalidToken:
                unreadable += 1
        Booking.objects.bulk_update(rows, ["client_email_index"])
        last = batch[-1][0]
    if unreadable:
        log.warning("%s booking emails could not be decrypted with PII_KEYS and are not findable by email",
                    unreadable)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('bookings', '0013_booking_email_index'),
    ]

    operations = [
        migrations.RunPython(fill_the_email_index, migrations.RunPython.noop, elidable=True),
    ]
