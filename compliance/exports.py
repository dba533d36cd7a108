"""A person's copy of their data: one ZIP with everything as JSON (data.json) and each part as a CSV."""

import csv
import io
import json
import zipfile

from django.utils import timezone

from bookings.exports import spreadsheet_safe
from bookings.models import BookingTransition

from .people import Person


def _when(value) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def _bookings(person: Person) -> list[dict]:
    return [{
        "reference": b.reference, "hall": b.space.name, "start": _when(b.start), "end": _when(b.end),
        "state": b.state, "name": b.client_name, "phone": b.client_phone, "email": b.client_email,
        "special_requirements": b.special_requirements, "notes": b.notes, "internal_notes": b.internal_notes,
        "total_price": str(b.total_price), "payment_status": b.payment_status, "source": b.source,
        "created_at": _when(b.created_at),
    } for b in person.bookings().select_related("space").order_by("start", "pk")]


def _consents(person: Person) -> list[dict]:
    return [{"booking": b.reference, "policy_version": b.consent_policy_version, "at": _when(b.consent_at),
             "address": b.consent_ip or ""}
            for b in person.bookings().exclude(consent_policy_version="").order_by("consent_at", "pk")]


def _clients(person: Person) -> list[dict]:
    return [{"name": c.name, "phone": c.phone, "email": c.email, "notes": c.notes, "do_not_book": c.do_not_book,
             "created_at": _when(c.created_at)} for c in person.clients().order_by("pk")]


def _history(person: Person) -> list[dict]:
    rows = BookingTransition.objects.filter(booking_id__in=person.booking_ids).select_related("booking")
    return [{"booking": t.booking.reference, "from": t.from_state, "to": t.to_state, "at": _when(t.at),
             "by": t.actor_kind, "reason": t.reason} for t in rows.order_by("at", "pk")]


def _notifications(person: Person) -> list[dict]:
    rows = person.notifications().select_related("booking").order_by("created_at", "pk")
    return [{"booking": n.booking.reference, "kind": n.kind, "channel": n.channel, "to": n.recipient,
             "status": n.status, "queued_at": _when(n.created_at), "sent_at": _when(n.sent_at)} for n in rows]


def _audit(person: Person) -> list[dict]:
    rows = person.audit_entries().select_related("content_type").order_by("timestamp", "pk")
    return [{"at": _when(e.timestamp), "record": f"{e.content_type.model} {e.object_repr}",
             "action": e.get_action_display(), "changes": json.dumps(e.changes or {}, ensure_ascii=False),
             "by": "staff" if e.actor_id else "guest or system"} for e in rows]


PARTS = {"bookings": _bookings, "client_cards": _clients, "consents": _consents, "booking_history": _history,
         "messages": _notifications, "audit_trail": _audit}


def person_data(person: Person) -> dict[str, list[dict]]:
    return {name: part(person) for name, part in PARTS.items()}


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.writer(out)
        writer.writerow(list(rows[0]))
        writer.writerows([spreadsheet_safe(value) for value in row.values()] for row in rows)
    return "\ufeff" + out.getvalue()


def person_zip(data: dict[str, list[dict]]) -> bytes:
    """The ZIP of ``data`` (``person_data``): data.json and one CSV per part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for name, rows in data.items():
            archive.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()
