"""What the studio records to answer for the personal data it keeps: retention runs, the register of
data-subject requests, the privacy-policy versions guests consent to, and staff sign-in events.

None of these rows holds a readable phone or email: a request is known by the phone's blind index and a
keyed hash of the email (``compliance.people``).
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from studio_crm.formatting import when

# 152-FZ art. 14 and 20: a request is answered within ten working days of its receipt.
ANSWER_WORKING_DAYS = 10


def working_days_after(day: date, count: int) -> date:
    """The ``count``-th working day (Monday to Friday) after ``day``.

    Public holidays are not skipped: they only move the legal deadline later, so this deadline is never
    later than the law's.
    """
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


class RetentionRun(models.Model):
    """One run of ``anonymize_expired``: when, up to which cutoff, what it changed (or would have)."""

    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    days = models.PositiveIntegerField(_("retention days"))
    cutoff = models.DateTimeField(_("cutoff"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+", verbose_name=_("by"))
    bookings = models.PositiveIntegerField(_("bookings anonymised"), default=0)
    clients = models.PositiveIntegerField(_("client cards removed"), default=0)
    audit_entries = models.PositiveIntegerField(_("audit entries cleared"), default=0)
    notifications = models.PositiveIntegerField(_("notifications cleared"), default=0)
    security_events = models.PositiveIntegerField(_("sign-in events cleared"), default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self):
        return ngettext("%(started)s (%(days)s day)", "%(started)s (%(days)s days)", self.days) % {
            "started": when(self.started_at, "numeric_datetime"), "days": self.days}

    @property
    def interrupted(self) -> bool:
        """Stopped before it finished; the next run goes on where it stopped."""
        return self.finished_at is None


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Copy of data")
    ERASE = "erase", _("Erasure")


class RequestSource(models.TextChoices):
    GUEST = "guest", _("Guest online")
    STUDIO = "studio", _("To the studio")
    SHELL = "shell", _("Command line")


class RequestStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("request status", "Open")
    DONE = "done", pgettext_lazy("request status", "Done")
    REFUSED = "refused", pgettext_lazy("request status", "Refused")


# What an answered request covered (``DataRequest.counts``), in the words of the register.
COUNT_LABELS = {
    "bookings": _("Bookings"), "client_cards": _("Client cards"), "consents": _("Consents"),
    "booking_history": _("Changes of state"), "messages": _("Messages"), "audit_trail": _("Audit entries"),
    "cancelled": _("Bookings cancelled to erase"),
}


class DataRequest(models.Model):
    """A person's request for a copy of their data or for its erasure: one row of the register.

    The person is known by ``phone_index`` (the blind index of the normalised phone, as bookings are) and
    ``email_hash`` (the email's keyed index, case-folded, as bookings and client cards are); neither can be read
    back.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=RequestKind.choices)
    source = models.CharField(_("received"), max_length=8, choices=RequestSource.choices,
                              default=RequestSource.STUDIO)
    status = models.CharField(_("status"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    phone_index = models.CharField(_("phone key"), max_length=64, blank=True, db_index=True, editable=False)
    email_hash = models.CharField(_("email key"), max_length=64, blank=True, db_index=True, editable=False)
    # The booking a guest asked from (their look-up page); the guest is told through it when it is done.
    booking = models.ForeignKey("bookings.Booking", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", verbose_name=_("booking"))
    notify = models.BooleanField(_("tell the guest by email"), default=False)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    deadline = models.DateField(_("deadline"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("completed by"))
    counts = models.JSONField(_("what it covered"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True,
                              help_text=_("Why active bookings were cancelled to erase, or why it was refused."))

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")
        indexes = [models.Index(fields=["status", "deadline"], name="datarequest_open_deadline")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        if self.deadline is None:
            self.deadline = self.deadline_for(self.received_at)
        super().save(*args, **kwargs)

    @staticmethod
    def deadline_for(received_at: datetime) -> date:
        return working_days_after(timezone.localdate(received_at), ANSWER_WORKING_DAYS)

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    def count_rows(self) -> list[tuple[str, int]]:
        return [(str(COUNT_LABELS.get(name, name)), count) for name, count in self.counts.items()]

    @property
    def overdue(self) -> bool:
        return self.is_open and timezone.localdate() > self.deadline


class PolicyVersion(models.Model):
    """A version of the privacy policy guests consent to. The newest one published is in force; bookings
    keep the version they were made under, and every version stays readable."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text"), help_text=_(
        "Paragraphs separated by an empty line; a line starting with “## ” is a heading."))
    published_at = models.DateTimeField(_("in force from"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("published by"))

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("privacy-policy version")
        verbose_name_plural = _("privacy-policy versions")

    def __str__(self):
        return self.version

    def blocks(self) -> list[tuple[str, str]]:
        """The text as ("h2" | "p", text) blocks, for a template to escape and lay out."""
        found = []
        for block in self.text.replace("\r\n", "\n").split("\n\n"):
            block = block.strip()
            if block.startswith("## "):
                found.append(("h2", block[3:].strip()))
            elif block:
                found.append(("p", " ".join(block.split())))
        return found


class SecurityKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "failed", _("Failed sign-in")
    LOCKED_OUT = "locked", _("Locked out")
    DENIED = "denied", _("Refused access")


class SecurityEvent(models.Model):
    """A sign-in, a failed sign-in, a lockout or a refused request, for the audit trail.

    ``username`` is kept only when it is an employee's: what someone typed into the sign-in form may be
    anything, a guest's phone or email included.
    """

    kind = models.CharField(_("event"), max_length=8, choices=SecurityKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("employee"))
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=200, blank=True)
    what = models.CharField(_("what"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")

    def __str__(self):
        return f"{self.get_kind_display()} {self.username or '—'} {self.at:%Y-%m-%d %H:%M}"
