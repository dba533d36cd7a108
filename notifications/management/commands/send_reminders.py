from django.core.management.base import BaseCommand

from notifications import services


class Command(BaseCommand):
    help = ("Queue the guests' reminders now due (REMINDER_HOURS; each booking and window once, however often "
            "this runs) and cancel pending requests that expired (PENDING_EXPIRY_HOURS, or at their start).")

    def handle(self, *args, **options):
        queued = services.reminders_queue()
        expired = services.requests_expire()
        self.stdout.write(f"Reminders queued: {queued}. Requests expired: {expired}.")
