"""A person's copy of their data: one ZIP with everything as JSON (data.json) and each part as a CSV.

data.json is for a machine: stable keys, stored values (states as codes, moments in ISO 8601). Each CSV is for a
person opening it in a spreadsheet: headers and states in the reader's words, in the reader's spreadsheet format
(``studio_crm.spreadsheets``: in Russian ``;``, decimal commas and a byte-order mark), moments on the studio's clock.
"""

import io
import json
import zipfile
from datetime import datetime
from decimal import Decimal

from auditlog.models import LogEntry
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.exports import spreadsheet_safe
from bookings.models import ActorKind, BookingSource, BookingState, BookingTransition, PaymentStatus
from notifications.models import Channel, Kind, Status
from studio_crm.formatting import when
from studio_crm.spreadsheets import sheet_format

from .audit import ACTIONS
from .people import Person

# How data.json names auditlog's actions, and who made an audited change.
ACTION_NAMES = {LogEntry.Action.CREATE: "create", LogEntry.Action.UPDATE: "update", LogEntry.Action.DELETE: "delete",
                LogEntry.Action.ACCESS: "access"}
STAFF, GUEST_OR_SYSTEM = "staff", "guest or system"


def _bookings(person: Person) -> list[dict]:
    return [{
        "reference": b.reference, "hall": b.space.name, "start": b.start, "end": b.end,
        "state": b.state, "name": b.client_name, "phone": b.client_phone, "email": b.client_email,
        "special_requirements": b.special_requirements, "notes": b.notes, "internal_notes": b.internal_notes,
        "total_price": b.total_price, "payment_status": b.payment_status, "source": b.source,
        "created_at": b.created_at,
    } for b in person.bookings().select_related("space").order_by("start", "pk")]


def _consents(person: Person) -> list[dict]:
    return [{"booking": b.reference, "policy_version": b.consent_policy_version, "at": b.consent_at,
             "address": b.consent_ip or ""}
            for b in person.bookings().exclude(consent_policy_version="").order_by("consent_at", "pk")]


def _clients(person: Person) -> list[dict]:
    return [{"name": c.name, "phone": c.phone, "email": c.email, "notes": c.notes, "do_not_book": c.do_not_book,
             "created_at": c.created_at} for c in person.clients().order_by("pk")]


def _history(person: Person) -> list[dict]:
    rows = BookingTransition.objects.filter(booking_id__in=person.booking_ids).select_related("booking")
    return [{"booking": t.booking.reference, "from": t.from_state, "to": t.to_state, "at": t.at,
             "by": t.actor_kind, "reason": t.reason} for t in rows.order_by("at", "pk")]


def _notifications(person: Person) -> list[dict]:
    rows = person.notifications().select_related("booking").order_by("created_at", "pk")
    return [{"booking": n.booking.reference, "kind": n.kind, "channel": n.channel, "to": n.recipient,
             "status": n.status, "queued_at": n.created_at, "sent_at": n.sent_at} for n in rows]


def _audit(person: Person) -> list[dict]:
    rows = person.audit_entries().select_related("content_type").order_by("timestamp", "pk")
    return [{"at": e.timestamp, "record": f"{e.content_type.model} {e.object_repr}",
             "action": ACTION_NAMES.get(e.action, str(e.action)),
             "changes": json.dumps(e.changes or {}, ensure_ascii=False),
             "by": STAFF if e.actor_id else GUEST_OR_SYSTEM} for e in rows]


PARTS = {"bookings": _bookings, "client_cards": _clients, "consents": _consents, "booking_history": _history,
         "messages": _notifications, "audit_trail": _audit}

# The CSV's header for each column of data.json.
HEADERS = {
    "reference": _("Reference"), "hall": _("Hall"), "start": _("Start"), "end": _("End"), "state": _("State"),
    "name": _("Name"), "phone": _("Phone"), "email": _("Email"),
    "special_requirements": _("Special requirements"), "notes": _("Notes"), "internal_notes": _("Internal notes"),
    "total_price": _("Total"), "payment_status": _("Payment"), "source": _("Source"),
    "created_at": _("Created"), "booking": _("Booking"), "policy_version": _("Policy version"),
    "at": _("When"), "address": _("Address"), "do_not_book": _("Do not book"), "from": _("From state"),
    "to": _("To state"), "by": _("By"), "reason": _("Reason"), "kind": _("Event"), "channel": _("Channel"),
    "status": _("Status"), "queued_at": _("Queued"), "sent_at": _("Sent"), "record": _("Record"),
    "action": _("Action"), "changes": _("Changes"),
}
# Where a part's column means something else than the same key elsewhere.
PART_HEADERS = {"messages": {"to": pgettext_lazy("recipient", "To")}}
# Columns holding codes, by part: the labels the CSV writes for them.
LABELS = {
    "bookings": {"state": BookingState, "payment_status": PaymentStatus, "source": BookingSource},
    "booking_history": {"from": BookingState, "to": BookingState, "by": ActorKind},
    "messages": {"kind": Kind, "channel": Channel, "status": Status},
    "audit_trail": {
        "action": {name: ACTIONS[action] for action, name in ACTION_NAMES.items() if action in ACTIONS},
        "by": {STAFF: pgettext_lazy("who acted", "staff"), GUEST_OR_SYSTEM: pgettext_lazy("who acted", "guest or system")},
    },
}
YES_NO = {True: _("yes"), False: _("no")}


def person_data(person: Person) -> dict[str, list[dict]]:
    return {name: part(person) for name, part in PARTS.items()}


def _json_value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _label(labels, value) -> str:
    if labels is None or value in (None, ""):
        return value
    choices = dict(labels.choices) if hasattr(labels, "choices") else labels
    return str(choices.get(value, value))


def _cell(value, sheet) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(YES_NO[value])
    if isinstance(value, datetime):
        return when(value, "numeric_datetime")
    if isinstance(value, Decimal):
        return sheet.number(value)
    return spreadsheet_safe(value)


def _csv(name: str, rows: list[dict]) -> str:
    sheet = sheet_format()
    out = io.StringIO()
    if rows:
        labels = LABELS.get(name, {})
        writer = sheet.writer(out)
        headers = {**HEADERS, **PART_HEADERS.get(name, {})}
        writer.writerow([str(headers.get(column, column)) for column in rows[0]])
        writer.writerows([_cell(_label(labels.get(column), value), sheet) for column, value in row.items()]
                         for row in rows)
    return sheet.bom + out.getvalue()


def person_zip(data: dict[str, list[dict]]) -> bytes:
    """The ZIP of ``data`` (``person_data``): data.json and one CSV per part, the CSVs in the active language."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))
        for name, rows in data.items():
            archive.writestr(f"{name}.csv", _csv(name, rows))
    return buffer.getvalue()
