import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from notifications import delivery
from notifications.models import Status


class Command(BaseCommand):
    help = ("Send the notifications that are due (the outbox's sweeper): once, or with --loop until stopped. "
            "Safe to run beside workers and other sweepers: each row is claimed before it is sent.")

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep sweeping until interrupted.")
        parser.add_argument("--every", type=float, default=5.0, help="Seconds between sweeps with --loop (5).")

    def handle(self, *args, loop: bool, every: float, **options):
        while True:
            outcomes = delivery.deliver_due()
            if outcomes or not loop:
                summary = ", ".join(f"{Status(status).label}: {count}" for status, count in sorted(outcomes.items()))
                self.stdout.write(summary or _("Nothing was due."))
            if not loop:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
