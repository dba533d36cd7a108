from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.models import Booking
from bookings.pii import EncryptedTextField


class Channel(models.TextChoices):
    TELEGRAM = "telegram", _("Telegram")
    EMAIL = "email", _("Email")


class Audience(models.TextChoices):
    GUEST = "guest", _("Guest")
    STAFF = "staff", _("Staff")


class Kind(models.TextChoices):
    """What a message is about: a booking's event, or (queued by compliance) an answered data request."""

    REQUESTED = "requested", pgettext_lazy("notification event", "New request")
    CONFIRMED = "confirmed", pgettext_lazy("notification event", "Confirmed")
    CANCELLED = "cancelled", pgettext_lazy("notification event", "Cancelled")
    RESCHEDULED = "rescheduled", pgettext_lazy("notification event", "Rescheduled")
    NO_SHOW = "no_show", pgettext_lazy("notification event", "No-show")
    REMINDER = "reminder", pgettext_lazy("notification event", "Reminder")
    DATA_EXPORT = "data_export", pgettext_lazy("notification event", "Copy of data ready")
    DATA_ERASED = "data_erased", pgettext_lazy("notification event", "Data erased")


class Status(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("delivery status", "Queued")
    SENDING = "sending", pgettext_lazy("delivery status", "Sending")
    SENT = "sent", pgettext_lazy("delivery status", "Sent")
    FAILED = "failed", pgettext_lazy("delivery status", "Failed")
    DEAD = "dead", pgettext_lazy("delivery status", "Dead")


# Rows a sender still has to look at; a row sending past its lease is taken to have been dropped mid-send.
OPEN_STATUSES = (Status.QUEUED, Status.SENDING, Status.FAILED)
RETRYABLE_STATUSES = (Status.FAILED, Status.DEAD)


class Notification(models.Model):
    """One message to one recipient over one channel: the outbox row, written in the transaction of the
    change that causes it and delivered after the commit (notifications/delivery.py).

    What the message says is rendered when it is sent, from ``kind``, the booking and ``payload``; the
    recipient (an email address or a Telegram chat) is encrypted like the booking's contact details.
    ``dedupe_key`` names the event, channel and recipient, so one event never makes two rows.
    """

    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    audience = models.CharField(_("recipients"), max_length=8, choices=Audience.choices)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notifications",
                                verbose_name=_("booking"))
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("employee"),
        help_text=_("The employee this message is for, when it goes to one (a staff email)."),
    )
    recipient = EncryptedTextField(_("address"))
    payload = models.JSONField(_("message details"), default=dict, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=160, unique=True)

    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a sender should next look at the row: queued and failed rows when due, sending rows when the
    # sender's lease runs out (it crashed mid-send).
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sweeper's look-up: only the rows still open, however many years of sent ones there are.
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                         name="notification_open_due"),
            models.Index(fields=["-created_at"], name="notification_recent"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.get_channel_display()} · {self.booking_id}"

    @property
    def masked_recipient(self) -> str:
        """What the deliveries page shows of the recipient: enough to tell two apart, not to write to."""
        if self.channel == Channel.TELEGRAM:
            return _("staff chat")
        name, _at, domain = self.recipient.partition("@")
        return f"{name[:1]}•••@{domain}" if domain else "•••"

    @property
    def can_retry(self) -> bool:
        return self.status in RETRYABLE_STATUSES


class StaffNotificationSettings(models.Model):
    """An employee's own notification settings: the Telegram account linked to them (whose Confirm and
    Decline presses act as them) and the booking events they want by email, for the spaces they see."""

    employee = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                    related_name="notification_settings", verbose_name=_("employee"))
    telegram_user_id = models.BigIntegerField(_("Telegram account"), null=True, blank=True, unique=True)
    telegram_name = models.CharField(_("name in Telegram"), max_length=100, blank=True)
    telegram_linked_at = models.DateTimeField(_("Telegram linked at"), null=True, blank=True)
    email_requested = models.BooleanField(_("new requests"), default=False)
    email_confirmed = models.BooleanField(_("confirmations"), default=False)
    email_cancelled = models.BooleanField(_("cancellations"), default=False)
    email_rescheduled = models.BooleanField(_("changes of time or hall"), default=False)
    email_no_show = models.BooleanField(_("no-shows"), default=False)

    class Meta:
        verbose_name = _("staff notification settings")
        verbose_name_plural = _("staff notification settings")

    def __str__(self):
        return str(self.employee)

    @property
    def telegram_linked(self) -> bool:
        return self.telegram_user_id is not None


# The events staff may choose to get by email, each with the settings field that holds the choice.
STAFF_EMAIL_FIELDS = {
    Kind.REQUESTED: "email_requested",
    Kind.CONFIRMED: "email_confirmed",
    Kind.CANCELLED: "email_cancelled",
    Kind.RESCHEDULED: "email_rescheduled",
    Kind.NO_SHOW: "email_no_show",
}


class TelegramLinkCode(models.Model):
    """A one-time code an employee sends to the studio's bot to link their Telegram account.

    Only a hash is stored: the code is shown once, on the employee's own account page."""

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("employee"))
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram link code")
        verbose_name_plural = _("Telegram link codes")

    def __str__(self):
        return f"{self.employee} · {self.expires_at:%Y-%m-%d %H:%M}"
