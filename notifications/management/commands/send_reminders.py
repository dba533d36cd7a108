from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from notifications import services


class Command(BaseCommand):
    help = ("Queue the guests' reminders now due (REMINDER_HOURS; each booking and window once, however often "
            "this runs) and cancel pending requests that expired (PENDING_EXPIRY_HOURS, or at their start).")

    def handle(self, *args, **options):
        queued = services.reminders_queue()
        expired = services.requests_expire()
        self.stdout.write(_("Reminders queued: %(queued)s. Requests expired: %(expired)s.") % {
            "queued": queued, "expired": expired})
