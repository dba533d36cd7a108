"""The audit trail as owners read it: every recorded staff change (django-auditlog) and every sign-in, failed
sign-in, lockout and refusal (``SecurityEvent``), newest first, filtered, a page at a time or as one CSV.

Pages go back in time by a cursor (``before``): each page reads a fixed number of rows of both sources
whatever the trail's length. No phone or email is shown: masked fields are stored masked, and any number
or address someone typed into free text is hidden on the way out too.
"""

import heapq
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bookings.dates import local_midnight
from studio_crm.formatting import when

from .models import SecurityEvent, SecurityKind
from .receivers import HIDDEN, without_contact_details

PAGE_SIZE = 50
SECURITY = "security"
# Where each audited record has its own page.
RECORD_PAGES = {"bookings.booking": "booking_detail", "bookings.client": "client_detail",
                "employees.employee": "employee_detail", "bookings.space": "setup_space_edit",
                "bookings.equipment": "setup_equipment_edit", "bookings.promocode": "setup_promo_code_edit",
                "bookings.specialday": "setup_special_day_edit"}
# The trail's own words for auditlog's actions (the package's labels are neither the studio's words nor Russian).
ACTIONS = {
    LogEntry.Action.CREATE: pgettext_lazy("audit action", "created"),
    LogEntry.Action.UPDATE: pgettext_lazy("audit action", "changed"),
    LogEntry.Action.DELETE: pgettext_lazy("audit action", "deleted"),
    LogEntry.Action.ACCESS: pgettext_lazy("audit action", "viewed"),
}
# What auditlog stored for a yes/no field or an empty one, as the reader says it.
STORED_WORDS = {"True": gettext_lazy("yes"), "False": gettext_lazy("no"), "None": ""}


def what_choices() -> list[tuple[str, str]]:
    """The filter's choices: every audited model, then the kinds of sign-in event."""
    models = sorted(auditlog.get_models(), key=lambda model: str(model._meta.verbose_name_plural))
    return ([(model._meta.label_lower, capfirst(str(model._meta.verbose_name_plural))) for model in models]
            + [(f"{SECURITY}:{kind}", str(label)) for kind, label in SecurityKind.choices])


@dataclass(frozen=True)
class TrailFilter:
    who: int | None = None
    what: str = ""
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_form(cls, form) -> "TrailFilter":
        if not form.is_valid():
            return cls()
        data = form.cleaned_data
        return cls(who=data["who"].pk if data.get("who") else None, what=data.get("what") or "",
                   object_id=data.get("object"), date_from=data.get("date_from"), date_to=data.get("date_to"))

    @property
    def wants_changes(self) -> bool:
        return not self.what.startswith(SECURITY)

    @property
    def wants_events(self) -> bool:
        return (not self.what or self.what.startswith(SECURITY)) and self.object_id is None

    def _bounds(self, field: str) -> dict:
        bounds = {}
        if self.date_from:
            bounds[f"{field}__gte"] = local_midnight(self.date_from)
        if self.date_to:
            bounds[f"{field}__lt"] = local_midnight(self.date_to + timedelta(days=1))
        return bounds

    def changes(self) -> QuerySet:
        entries = LogEntry.objects.filter(**self._bounds("timestamp")).select_related("actor", "content_type")
        if self.who:
            entries = entries.filter(actor_id=self.who)
        if self.what:
            app_label, _dot, model = self.what.partition(".")
            entries = entries.filter(content_type=ContentType.objects.get_by_natural_key(app_label, model))
        if self.object_id:
            entries = entries.filter(object_id=self.object_id)
        return entries.order_by("-timestamp", "-pk")

    def events(self) -> QuerySet:
        events = SecurityEvent.objects.filter(**self._bounds("at")).select_related("employee")
        if self.who:
            events = events.filter(employee_id=self.who)
        if self.what.startswith(f"{SECURITY}:"):
            events = events.filter(kind=self.what.partition(":")[2])
        return events.order_by("-at", "-pk")


def _record_url(label: str, object_id: int | None) -> str:
    name = RECORD_PAGES.get(label)
    if name is None or object_id is None:
        return ""
    try:
        return reverse(name, args=[object_id])
    except NoReverseMatch:
        return ""


def _history_url(label: str, object_id: int | None) -> str:
    return f"{reverse('compliance_audit')}?what={label}&object={object_id}" if object_id else ""


def _field(model, name: str) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        return None


def shown(text: str) -> str:
    """Stored text as the reader sees it: numbers and addresses typed into free text hidden, in their words."""
    return without_contact_details(text).replace(HIDDEN, _("[hidden]"))


def _moment(field: models.Field, text: str) -> str:
    """A stored date, or moment (auditlog keeps them naive, in UTC), as the reader's language writes it."""
    try:
        if isinstance(field, models.DateTimeField):
            return when(datetime.fromisoformat(text).replace(tzinfo=UTC), "datetime")
        return when(date.fromisoformat(text), "date")
    except ValueError:
        return text


def _value(field: models.Field | None, stored) -> str:
    """A stored value in the reader's words: a choice by its label, yes/no for a flag, a date as the language
    writes it; the rest as stored."""
    text = str(stored)
    if field is not None and field.choices:
        labels = {str(value): label for value, label in field.flatchoices}
        if text in labels:
            return str(labels[text])
    if isinstance(field, models.DateField) and text not in STORED_WORDS:
        return _moment(field, text)
    if text in STORED_WORDS:
        return str(STORED_WORDS[text])
    return shown(text)


def _changes(entry: LogEntry, model) -> list[tuple[str, str, str]]:
    """(field, before, after) of an update, as stored (no look-ups of related rows: a page costs the same
    whatever it shows); numbers and addresses typed into free text hidden."""
    if entry.action != LogEntry.Action.UPDATE or not isinstance(entry.changes, dict):
        return []
    pairs = []
    for name, values in sorted(entry.changes.items()):
        old, new = values if isinstance(values, list) and len(values) == 2 else ("", values)
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name
        pairs.append((label, _value(field, old), _value(field, new)))
    return pairs


def _change_row(entry: LogEntry) -> dict:
    content_type = entry.content_type
    label, model = f"{content_type.app_label}.{content_type.model}", content_type.model_class()
    return {
        "at": entry.timestamp, "source": "change", "who": str(entry.actor) if entry.actor_id else _("System or guest"),
        "event": str(ACTIONS.get(entry.action, entry.get_action_display())),
        "what": str(model._meta.verbose_name) if model else label,
        "record": shown(entry.object_repr), "record_url": _record_url(label, entry.object_id),
        "history_url": _history_url(label, entry.object_id),
        "changes": _changes(entry, model),
        "address": entry.remote_addr or "",
    }


def _event_row(event: SecurityEvent) -> dict:
    return {
        "at": event.at, "source": "security", "who": str(event.employee) if event.employee_id else _("Unknown username"),
        "event": event.get_kind_display(), "what": event.path, "record": event.what, "record_url": "",
        "history_url": "", "changes": [], "address": event.ip or "",
    }


def _rows(trail: TrailFilter, before: datetime | None, limit: int | None):
    changes = trail.changes() if trail.wants_changes else LogEntry.objects.none()
    events = trail.events() if trail.wants_events else SecurityEvent.objects.none()
    if before is not None:
        changes, events = changes.filter(timestamp__lt=before), events.filter(at__lt=before)
    if limit is not None:
        changes, events = changes[:limit], events[:limit]
    else:
        changes, events = changes.iterator(chunk_size=1000), events.iterator(chunk_size=1000)
    return heapq.merge((_change_row(entry) for entry in changes), (_event_row(event) for event in events),
                       key=lambda row: row["at"], reverse=True)


def trail_page(trail: TrailFilter, *, before: datetime | None = None) -> tuple[list[dict], datetime | None]:
    """One page of the trail, newest first, and the cursor of the next (older) page, or None."""
    rows = list(_rows(trail, before, PAGE_SIZE + 1))
    page = rows[:PAGE_SIZE]
    return page, (page[-1]["at"] if len(rows) > PAGE_SIZE else None)


def trail_rows(trail: TrailFilter):
    """Every row the filter matches, newest first, read in chunks (the CSV export)."""
    return _rows(trail, None, None)


def parse_cursor(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        return None
    return moment
