"""The record of processing: which models hold personal data, in which fields, why, for how long and who
sees it. Built from the models and settings at the time it is read, so it cannot drift from them.

Encrypted fields are found by their class (``EncryptedTextField``); the plain fields that hold personal data
(names, free text, addresses) are listed here, beside the model they belong to. The same lists say what
anonymisation clears in the audit trail.
"""

from dataclasses import dataclass

from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingTransition, Client
from bookings.pii import EncryptedTextField
from employees.models import Employee, StaffSession
from notifications.models import Notification
from studio_crm.context_processors import NAVIGATION

from .models import SecurityEvent

# Plain-text fields holding personal data, by model (encrypted fields are added by their class).
PLAIN_PERSONAL_FIELDS: dict[type[models.Model], tuple[str, ...]] = {
    Booking: ("client_name", "special_requirements", "notes", "internal_notes", "consent_ip"),
    Client: ("name", "search_name", "notes"),
    BookingTransition: ("reason",),
    Notification: ("last_error",),
    Employee: ("username", "full_name", "email", "phone"),
    StaffSession: ("ip", "user_agent"),
    LogEntry: ("object_repr", "changes", "remote_addr", "actor_email"),
    SecurityEvent: ("username", "ip"),
    AccessAttempt: ("username", "ip_address", "user_agent"),
}
# Models whose str() is a person's name: what the audit trail's object_repr keeps of them.
NAMED_MODELS = (Client, Employee)
# The record's words for the packages' models and fields (their own are not the studio's, nor always Russian).
MODEL_LABELS: dict[type[models.Model], Promise] = {
    LogEntry: _("audit trail entries"), AccessAttempt: _("failed sign-in attempts")}
FIELD_LABELS: dict[tuple[type[models.Model], str], Promise] = {
    (LogEntry, "object_repr"): _("record"), (LogEntry, "changes"): _("changes"),
    (LogEntry, "remote_addr"): _("IP address"), (LogEntry, "actor_email"): _("employee's email"),
    (AccessAttempt, "username"): _("username"), (AccessAttempt, "ip_address"): _("IP address"),
    (AccessAttempt, "user_agent"): _("browser"),
}


def personal_fields(model: type[models.Model]) -> list[models.Field]:
    """The fields of ``model`` that hold personal data: the encrypted ones and the listed plain ones."""
    plain = PLAIN_PERSONAL_FIELDS.get(model, ())
    return [field for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField) or field.name in plain]


def personal_field_names(model: type[models.Model]) -> set[str]:
    return {field.name for field in personal_fields(model)}


@dataclass(frozen=True)
class Activity:
    """One line of the record: a model, why it is kept, how long, and the page whose readers see it."""

    model: type[models.Model]
    purpose: Promise
    kept: Promise
    page: str  # URL name; the roles that see it come from the navigation
    until_retention: bool = False  # anonymised RETENTION_DAYS after it ends


ACTIVITIES = (
    Activity(Booking, _("To hold and run a booking: confirm it, prepare the hall, settle the payment."),
             _("Until the booking ended longer ago than the retention period, then anonymised."),
             "booking_list", until_retention=True),
    Activity(Client, _("To recognise a returning guest, count their visits and keep staff's notes on them."),
             _("Removed when the last of the guest's bookings is anonymised."), "client_list", until_retention=True),
    Activity(BookingTransition, _("The history of a booking's states: who changed it, when and why."),
             _("As long as its booking; the reason is staff's words."), "booking_list"),
    Activity(Notification, _("Messages to the guest and to staff about a booking."),
             _("Until the retention period after it was written, then the address is cleared."),
             "notification_list", until_retention=True),
    Activity(Employee, _("Staff accounts: sign-in, roles, contact within the studio."),
             _("While the person works at the studio; an owner deactivates the account."), "employee_list"),
    Activity(StaffSession, _("An employee's open sessions, so they can see and end them."),
             _("Until the session ends."), "employee_list"),
    Activity(LogEntry, _("The audit trail of staff changes, required to answer for the data."),
             _("Until the retention period after the change, then its personal data is cleared."),
             "compliance_audit", until_retention=True),
    Activity(SecurityEvent, _("Sign-ins, failed sign-ins and refusals, to detect misuse."),
             _("Until the retention period after the event, then the address is cleared."),
             "compliance_audit", until_retention=True),
    Activity(AccessAttempt, _("Failed sign-ins per account and address, to lock out guessing."),
             _("Until the next successful sign-in or an unlock."), "employee_list"),
)


def _roles_by_page() -> dict[str, set[str]]:
    return {url_name: roles for _title, items in NAVIGATION for _label, url_name, _icon, roles in items}


def _field_rows(model: type[models.Model]) -> list[dict]:
    return [{"name": field.name, "label": FIELD_LABELS.get((model, field.name), field.verbose_name),
             "encrypted": isinstance(field, EncryptedTextField)} for field in personal_fields(model)]


def processing_record() -> list[dict]:
    """The record of processing, one entry per model holding personal data."""
    roles = _roles_by_page()
    rows = []
    for activity in ACTIVITIES:
        meta = activity.model._meta
        page_roles = roles.get(activity.page, {"owner"})
        rows.append({
            "label": MODEL_LABELS.get(activity.model, meta.verbose_name_plural), "model": meta.label, "fields": _field_rows(activity.model),
            "purpose": activity.purpose, "kept": activity.kept,
            "retention_days": settings.RETENTION_DAYS if activity.until_retention else None,
            "roles": [role for role in ("owner", "admin", "manager") if role in page_roles],
            "page": reverse(activity.page),
        })
    return rows
