"""The background jobs: what rqworker runs with Redis, and background.py's threads run without it.
Jobs take ids and call the services."""

import logging

from . import delivery, services

log = logging.getLogger("studio.notifications")


def deliver_notification(notification_id: int) -> None:
    """Send one outbox row after the change that wrote it committed."""
    delivery.deliver_one(notification_id)


def deliver_due() -> None:
    """The sweeper as a periodic job: whatever is due, including rows whose job was lost."""
    outcomes = delivery.deliver_due()
    if outcomes:
        log.info("sweeper: %s", ", ".join(f"{status} {count}" for status, count in sorted(outcomes.items())))


def reminders_and_expiry() -> None:
    """Queue the reminders now due and cancel the pending requests that expired."""
    queued = services.reminders_queue()
    expired = services.requests_expire()
    if queued or expired:
        log.info("reminders queued %s, requests expired %s", queued, expired)
