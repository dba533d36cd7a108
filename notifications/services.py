"""Operations of the notifications app: writing the outbox, reminders and expiry, retries, and an
employee's Telegram link and email choices. Views, the webhook, commands and jobs all call these."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.access import visible_spaces
from bookings.errors import BookingError
from bookings.models import ActorKind, Booking, BookingState
from bookings.services import booking_transition
from employees.models import EmployeeStatus

from . import delivery, telegram
from .models import (
    STAFF_EMAIL_FIELDS,
    Audience,
    Channel,
    Kind,
    Notification,
    StaffNotificationSettings,
    Status,
    TelegramLinkCode,
)

if TYPE_CHECKING:
    from employees.models import Employee

log = logging.getLogger("studio.notifications")

GUEST_EMAIL_KINDS = {Kind.REQUESTED, Kind.CONFIRMED, Kind.CANCELLED, Kind.RESCHEDULED, Kind.REMINDER}
RESCHEDULING_FIELDS = {"start", "end", "space"}
LINK_CODE_MINUTES = 15
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
LINK_CODE_LENGTH = 10


# --- The outbox ---------------------------------------------------------------------------------------


def expired_reason() -> str:
    """The reason in the history of a request cancelled for want of a confirmation. Staff read the history,
    so it is written in the studio's language."""
    with translation.override(settings.STUDIO_LANGUAGE):
        return _("Not confirmed in time")


def telegram_decline_reason() -> str:
    """The reason in the history of a request declined in the staff chat (whose message already says so: the
    chat is not told again), in the studio's language."""
    with translation.override(settings.STUDIO_LANGUAGE):
        return _("Declined in Telegram")



def change_kind(*, event: str, to_state: str, fields: set[str]) -> str | None:
    """What a booking change is to the people told about it, or None when it tells nobody anything."""
    if event == "created":
        return Kind.REQUESTED
    if event == "updated":
        return Kind.RESCHEDULED if fields & RESCHEDULING_FIELDS else None
    return {BookingState.CONFIRMED: Kind.CONFIRMED, BookingState.CANCELLED: Kind.CANCELLED,
            BookingState.NO_SHOW: Kind.NO_SHOW}.get(to_state)


def _telegram_wanted(kind: str, by: "Employee | None", reason: str) -> bool:
    """New requests from guests (staff who book by phone are at the screen), cancellations and no-shows."""
    if not telegram.is_configured() or reason == telegram_decline_reason():
        return False
    return (kind == Kind.REQUESTED and by is None) or kind in (Kind.CANCELLED, Kind.NO_SHOW)


def _sees_space(employee: "Employee", space) -> bool:
    return employee.is_admin_or_owner or visible_spaces(employee).filter(pk=space.pk).exists()


def _staff_email_recipients(booking: Booking, kind: str, by: "Employee | None") -> list["Employee"]:
    """Active employees who asked for ``kind`` by email and see the booking's space; never its own actor."""
    field = STAFF_EMAIL_FIELDS.get(kind)
    if field is None:
        return []
    chosen = (StaffNotificationSettings.objects.filter(**{field: True}, employee__status=EmployeeStatus.ACTIVE)
              .exclude(employee__email="").select_related("employee"))
    if by is not None:
        chosen = chosen.exclude(employee=by)
    return [row.employee for row in chosen if _sees_space(row.employee, booking.space)]


def _row(booking: Booking, kind: str, channel: str, audience: str, recipient: str, recipient_key: str,
         payload: dict, employee: "Employee | None" = None) -> Notification:
    return Notification(
        kind=kind, channel=channel, audience=audience, booking=booking, employee=employee, recipient=recipient,
        payload=payload, dedupe_key=f"{kind}:{booking.pk}:v{booking.version}:{channel}:{recipient_key}",
    )


def notifications_for_change(*, booking: Booking, event: str, by: "Employee | None", from_state: str,
                             to_state: str, reason: str, fields: set[str]) -> list[Notification]:
    """The outbox rows one booking change makes (not yet saved): the guest's email, the staff chat, and the
    emails of staff who asked for this kind of event."""
    kind = change_kind(event=event, to_state=to_state, fields=fields)
    if kind is None:
        return []
    payload = {"version": booking.version, "from": from_state, "reason": reason,
               "by": str(by) if by is not None else "", "expired": by is None and reason == expired_reason()}
    rows = []
    if kind in GUEST_EMAIL_KINDS and booking.client_email:
        rows.append(_row(booking, kind, Channel.EMAIL, Audience.GUEST, booking.client_email, "guest", payload))
    if _telegram_wanted(kind, by, reason):
        rows.append(_row(booking, kind, Channel.TELEGRAM, Audience.STAFF, settings.TELEGRAM_CHAT_ID, "chat", payload))
    for employee in _staff_email_recipients(booking, kind, by):
        rows.append(_row(booking, kind, Channel.EMAIL, Audience.STAFF, employee.email, f"e{employee.pk}", payload,
                         employee=employee))
    return rows


def outbox_write(rows: list[Notification]) -> None:
    """Write ``rows`` in the current transaction and deliver them once it commits.

    A row whose dedupe key exists already is left out, never an error: the change it belongs to must not
    fail because of its notifications.
    """
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.dedupe_key for row in rows]
    transaction.on_commit(lambda: delivery.deliver_soon_by_key(keys), robust=True)


# --- Reminders and expiry -----------------------------------------------------------------------------


def reminder_window(booking: Booking, *, now: datetime, windows: list[int]) -> int | None:
    """The reminder window (hours before the start) ``booking`` is in now, or None.

    Only the nearest window counts, and only if the booking was made before that window opened: a guest
    who books for tomorrow morning is not reminded of it that evening. Hours are real hours (UTC), so a
    night when the clocks change does not move a reminder.
    """
    left = booking.start - now
    for hours in sorted(windows):
        if left <= timedelta(hours=hours):
            return hours if booking.created_at <= booking.start - timedelta(hours=hours) else None
    return None


def reminders_queue(*, now: datetime | None = None) -> int:
    """Queue the guests' reminders now due; each booking and window once, however often this runs.

    A booking moved to another time gets its reminders again (the start is in the dedupe key).
    """
    now = now or timezone.now()
    windows = settings.REMINDER_HOURS
    if not windows:
        return 0
    bookings = (Booking.objects.filter(state=BookingState.CONFIRMED, start__gt=now,
                                       start__lte=now + timedelta(hours=max(windows)))
                .exclude(client_email="").select_related("space"))
    rows = []
    for booking in bookings:
        hours = reminder_window(booking, now=now, windows=windows)
        if hours is not None:
            rows.append(Notification(
                kind=Kind.REMINDER, channel=Channel.EMAIL, audience=Audience.GUEST, booking=booking,
                recipient=booking.client_email, payload={"hours": hours},
                dedupe_key=f"reminder:{booking.pk}:{hours}h:{int(booking.start.timestamp())}:email:guest",
            ))
    known = set(Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows])
                .values_list("dedupe_key", flat=True))
    rows = [row for row in rows if row.dedupe_key not in known]
    with transaction.atomic():
        outbox_write(rows)
    return len(rows)


def requests_expire(*, now: datetime | None = None) -> int:
    """Cancel, as expired, pending requests nobody confirmed within PENDING_EXPIRY_HOURS or by their start.

    Each goes through the state machine (a history row by the system, the slot freed, the guest told).
    A request confirmed or cancelled meanwhile is left alone.
    """
    now = now or timezone.now()
    due = Q(start__lte=now)
    if settings.PENDING_EXPIRY_HOURS > 0:
        due |= Q(created_at__lte=now - timedelta(hours=settings.PENDING_EXPIRY_HOURS))
    count = 0
    for booking in list(Booking.objects.filter(due, state=BookingState.PENDING).order_by("start")):
        try:
            booking_transition(booking=booking, to=BookingState.CANCELLED, by=None, reason=expired_reason(),
                               actor_kind=ActorKind.SYSTEM)
        except BookingError:
            continue
        count += 1
    return count


# --- The deliveries page ------------------------------------------------------------------------------


def notification_retry(*, notification: Notification, by: "Employee") -> Notification:
    """Send a failed or dead row again from a fresh count of attempts; the retry is in the audit trail."""
    with transaction.atomic():
        current = Notification.objects.select_for_update().get(pk=notification.pk)
        if not current.can_retry:
            raise ValidationError(_("Only failed or dead deliveries can be sent again."))
        before = current.status
        current.status, current.attempts, current.next_attempt_at = Status.QUEUED, 0, timezone.now()
        current.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        LogEntry.objects.log_create(current, action=LogEntry.Action.UPDATE, actor=by,
                                    changes={"status": [before, Status.QUEUED]})
        transaction.on_commit(lambda: delivery.deliver_soon([current.pk]), robust=True)
    log.info("notification %s retried by %s (was %s)", current.pk, by.username, before)
    return current


# --- An employee's Telegram link and email choices ----------------------------------------------------


def _code_hash(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalised.encode()).hexdigest()


def telegram_link_code_create(*, employee: "Employee") -> tuple[str, datetime]:
    """A new one-time link code for ``employee`` (any earlier one stops working) and when it expires."""
    code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    expires_at = timezone.now() + timedelta(minutes=LINK_CODE_MINUTES)
    with transaction.atomic():
        TelegramLinkCode.objects.filter(employee=employee).delete()
        TelegramLinkCode.objects.create(employee=employee, code_hash=_code_hash(code), expires_at=expires_at)
    return code, expires_at


def telegram_link_code_is_live(code: str) -> bool:
    return TelegramLinkCode.objects.filter(code_hash=_code_hash(code), used_at__isnull=True,
                                           expires_at__gt=timezone.now()).exists()


def telegram_link(*, code: str, telegram_user_id: int, telegram_name: str) -> "Employee | None":
    """Link the Telegram account that sent ``code`` to the code's employee; None for a wrong, used or
    expired code, or an employee who may no longer sign in. An account linked to someone else moves."""
    now = timezone.now()
    with transaction.atomic():
        link = (TelegramLinkCode.objects.select_for_update()
                .filter(code_hash=_code_hash(code), used_at__isnull=True, expires_at__gt=now).first())
        if link is None:
            return None
        link.used_at = now
        link.save(update_fields=["used_at"])
        employee = link.employee
        if not employee.is_active or employee.status != EmployeeStatus.ACTIVE:
            return None
        for other in StaffNotificationSettings.objects.filter(telegram_user_id=telegram_user_id).exclude(
                employee=employee):
            _forget_telegram(other)
        row, _created = StaffNotificationSettings.objects.get_or_create(employee=employee)
        row.telegram_user_id, row.telegram_name, row.telegram_linked_at = telegram_user_id, telegram_name[:100], now
        row.save(update_fields=["telegram_user_id", "telegram_name", "telegram_linked_at"])
    log.info("telegram account linked employee=%s", employee.username)
    return employee


def _forget_telegram(row: StaffNotificationSettings) -> None:
    row.telegram_user_id, row.telegram_name, row.telegram_linked_at = None, "", None
    row.save(update_fields=["telegram_user_id", "telegram_name", "telegram_linked_at"])


def telegram_unlink(*, employee: "Employee") -> None:
    """Presses from the employee's Telegram account no longer act as them."""
    row = StaffNotificationSettings.objects.filter(employee=employee).first()
    if row is not None and row.telegram_linked:
        _forget_telegram(row)
        log.info("telegram account unlinked employee=%s", employee.username)


def telegram_employee(telegram_user_id: int) -> "Employee | None":
    """The active employee linked to a Telegram account, or None."""
    row = (StaffNotificationSettings.objects.filter(telegram_user_id=telegram_user_id)
           .select_related("employee").first())
    if row is None or not row.employee.is_active or row.employee.status != EmployeeStatus.ACTIVE:
        return None
    return row.employee


def staff_email_choices_save(*, employee: "Employee", choices: dict[str, bool]) -> StaffNotificationSettings:
    """Which booking events ``employee`` gets by email (``choices`` maps the settings' field names)."""
    fields = {name: bool(choices.get(name)) for name in STAFF_EMAIL_FIELDS.values()}
    row, _created = StaffNotificationSettings.objects.update_or_create(employee=employee, defaults=fields)
    return row
