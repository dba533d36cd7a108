from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.services import retention_run

from ._owner import add_by_argument, owner_by


class Command(BaseCommand):
    help = ("Anonymise every booking that ended more than --days ago (RETENTION_DAYS by default), remove client "
            "cards left without bookings, and clear older audit entries, messages and sign-in events of personal "
            "data. Safe to interrupt and run again. The scheduler runs it daily.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Retention in days (default RETENTION_DAYS).")
        parser.add_argument("--dry-run", action="store_true", help="Print what would change and change nothing.")
        add_by_argument(parser)

    def handle(self, *args, days=None, dry_run=False, by=None, **options):
        run = retention_run(days=days or settings.RETENTION_DAYS, dry_run=dry_run,
                            by=owner_by(by, "anonymize_expired"))
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(
            f"{verb} {run.bookings} booking(s) that ended before {run.cutoff:%Y-%m-%d %H:%M} UTC; "
            f"client cards removed: {run.clients}; audit entries cleared: {run.audit_entries}; "
            f"messages cleared: {run.notifications}; sign-in events cleared: {run.security_events}."
            + (" Nothing was changed." if dry_run else ""))
