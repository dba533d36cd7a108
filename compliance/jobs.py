"""The daily job: anonymise what is past RETENTION_DAYS. Scheduled with the notifications' periodic jobs
(notifications/cron.py with Redis, notifications/background.py without)."""

from django.conf import settings

from .services import retention_run

DAILY_SECONDS = 24 * 60 * 60


def anonymize_expired() -> None:
    retention_run(days=settings.RETENTION_DAYS, by=None)
