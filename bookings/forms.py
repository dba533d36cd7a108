"""Forms of the staff booking pages. They check what a person typed; the services enforce the rules."""

import re
from contextlib import suppress
from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .availability import as_utc
from .dates import BoundedDateField, DateRangeForm, day_bounds
from .hours import widest_hours
from .models import BookingSource, BookingState, Client, Equipment, PaymentStatus
from .phones import normalise_phone
from .pii import blind_index
from .search import booking_search_query
from .services import promo_for

# Service errors are keyed by model field; these are the form fields a person sees them on.
SERVICE_FIELD = {"start": "start_time", "end": "hours", "client": "client_phone"}
SORTS = {
    "start": "start",
    "created": "created_at",
    "total": "total_price",
    "client": "client_name",
}
PAGE_SIZES = (25, 50, 100)
# The list's filters: a URL that names none of them (sort and page aside) opens the list on today.
LIST_FILTERS = ("q", "date_from", "date_to", "space", "state", "payment", "source")
# ``?all=1``: every date, nothing else narrowed (the list's "All dates").
ALL_DATES = "all"
# ``?day=today``: the list's quick days, by how many days from today.
DAY = "day"
LIST_DAYS = {"today": 0, "tomorrow": 1}


# Characters no one types into a one-line field: C0 controls (tab and line breaks included) and DEL.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def refuse_control_characters(value: str) -> None:
    """A validator for one-line text (names, usernames): no control characters, which only robots send and
    which would let a name forge a line of a log."""
    if CONTROL_CHARACTER.search(value or ""):
        raise ValidationError(_("Remove the invisible control characters from this field."))


def whole_number(value) -> int | None:
    """``value`` as an int, or None when it is missing or not a whole number (query strings, posted fields)."""
    with suppress(TypeError, ValueError):
        return int(value)
    return None


def start_hour_choices():
    """The start times the booking forms offer: every whole hour the studio opens on some weekday (the date's
    own hours are checked when the booking is made)."""
    opens, closes = widest_hours() or (settings.STUDIO_OPENS_AT, settings.STUDIO_CLOSES_AT)
    return [(hour, f"{hour:02d}:00") for hour in range(opens, min(closes, 24))]


def start_time_choices():
    return [("", gettext("Choose a time")), *start_hour_choices()]


class StartTimeSelect(forms.Select):
    """The start-time list. Once the space and day are known (``offer``), an hour that is not free is disabled
    and says so, and a free start the chosen length does not fit says how long is free from it.

    The hour already chosen stays selectable, so the form still sends it and its error names the clash.
    """

    offered: dict | None = None

    def offer(self, starts) -> None:
        """``starts``: the free StartTimes of the day (``availability.start_times``), or None when not known."""
        self.offered = None if starts is None else {start.hour: start for start in starts}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        hour = whole_number(value)
        if self.offered is None or hour is None:
            return option
        start = self.offered.get(hour)
        if start is None:
            option["label"] = gettext("%(time)s — not free") % {"time": label}
            if not selected:
                option["attrs"]["disabled"] = True
        elif not start.fits:
            option["label"] = ngettext("%(time)s — only %(hours)s hour free", "%(time)s — only %(hours)s hours free",
                                       start.longest) % {"time": label, "hours": start.longest}
        return option


def is_bookable_hour(hour) -> bool:
    """``hour`` is one of the start times the form offers (inside opening hours)."""
    return hour in {value for value, _label in start_hour_choices()}


def is_bookable_length(hours) -> bool:
    return hours is not None and settings.BOOKING_MIN_HOURS <= hours <= settings.BOOKING_MAX_HOURS


# The client fields ask for known clients as they are typed; a picked one fills them (static/js/bookings.js).
CLIENT_SUGGESTIONS = {
    "hx-get": reverse_lazy("client_suggestions"), "hx-trigger": "input changed delay:300ms",
    "hx-target": "#client-suggestions", "hx-swap": "innerHTML", "hx-sync": "#client-suggestions:replace",
    "hx-indicator": "#client-suggestions-loading", "aria-controls": "client-suggestions",
    "aria-autocomplete": "list", "aria-describedby": "client-suggestions-hint",
}


class BookingForm(forms.Form):
    space = forms.ModelChoiceField(queryset=None, to_field_name="slug", empty_label=_("Choose a space"), label=_("Space"))
    date = BoundedDateField(label=_("Date"))
    start_time = forms.TypedChoiceField(coerce=int, choices=(), label=_("Start time"), widget=StartTimeSelect)
    hours = forms.IntegerField(initial=2, label=_("Hours"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    client_name = forms.CharField(max_length=150, label=_("Client name"), validators=[refuse_control_characters])
    client_phone = forms.CharField(
        max_length=32, label=_("Phone"), widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("Any format, e.g. +7 916 123-45-67 or 8 916 1234567."),
    )
    client_email = forms.EmailField(required=False, label=_("Email"))
    promo_code = forms.CharField(max_length=32, required=False, label=_("Promo code"))
    source = forms.ChoiceField(choices=BookingSource.choices, initial=BookingSource.PHONE, label=_("Source"))
    special_requirements = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Special requirements")
    )
    notes = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Notes for the client")
    )
    internal_notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label=_("Internal notes"),
        help_text=_("Staff only; never shown to the guest."),
    )
    book_anyway = forms.BooleanField(
        required=False, label=_("I have checked with the manager — book anyway"),
        help_text=_("Tick only after a manager has agreed to this booking."),
    )

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = self.space_choices(spaces)
        self.fields["start_time"].choices = start_time_choices()
        self.fields["hours"].widget.attrs.update(min=settings.BOOKING_MIN_HOURS, max=settings.BOOKING_MAX_HOURS)
        self.equipment_items = list(self.equipment_choices())
        for item in self.equipment_items:
            self.fields[self.equipment_field(item)] = self.equipment_quantity_field(item)
        # Shown only once a flagged phone has been entered (or the box was already ticked).
        self.asks_to_book_anyway = False
        if self.suggests_clients:
            for name in ("client_name", "client_phone"):
                self.fields[name].widget.attrs.update(CLIENT_SUGGESTIONS)
            # Naming the hint replaces the help text Django would name: both are said.
            self.fields["client_phone"].widget.attrs["aria-describedby"] = "client-suggestions-hint id_client_phone_helptext"

    # Known clients are offered as the name or phone is typed (a new booking; an edit keeps its client).
    suggests_clients = True

    def space_choices(self, spaces):
        return spaces.filter(is_active=True)

    def equipment_choices(self):
        return Equipment.objects.filter(is_active=True).order_by("name", "pk")

    def equipment_quantity_field(self, item: Equipment) -> forms.IntegerField:
        return forms.IntegerField(
            label=item.name, required=False, min_value=0, max_value=item.stock, initial=0,
            widget=forms.NumberInput(attrs={"min": 0, "max": item.stock, "inputmode": "numeric"}),
            help_text=gettext("%(pricing)s; %(stock)s in stock") % {
                "pricing": str(item.get_pricing_display()).lower(), "stock": item.stock},
        )

    @staticmethod
    def equipment_field(item: Equipment) -> str:
        return f"equipment_{item.pk}"

    def equipment_fields(self):
        return [self[self.equipment_field(item)] for item in self.equipment_items]

    def clean_hours(self):
        hours = self.cleaned_data["hours"]
        if not is_bookable_length(hours):
            raise ValidationError(ngettext(
                "A booking lasts %(min)s to %(max)s hour.", "A booking lasts %(min)s to %(max)s hours.",
                settings.BOOKING_MAX_HOURS) % {"min": settings.BOOKING_MIN_HOURS, "max": settings.BOOKING_MAX_HOURS})
        return hours

    def clean_client_phone(self):
        return normalise_phone(self.cleaned_data["client_phone"])

    def clean_promo_code(self):
        code = self.cleaned_data.get("promo_code", "").strip().upper()
        if code:
            try:
                promo_for(code)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        return code

    def phone_needs_check(self, phone: str) -> bool:
        """Whether a "do not book" flag on ``phone`` must be confirmed (always, for a new booking)."""
        return True

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("start_time") is not None and data.get("hours"):
            zone = timezone.get_current_timezone()
            # The end is counted in UTC: an hour is an hour even on the night the clocks change.
            data["start"] = as_utc(datetime.combine(data["date"], time(data["start_time"]), tzinfo=zone))
            data["end"] = data["start"] + timedelta(hours=data["hours"])
        data["equipment"] = {
            item: data.get(self.equipment_field(item)) or 0 for item in self.equipment_items
        }
        phone = data.get("client_phone")
        if phone and self.phone_needs_check(phone) and flagged_phone(phone):
            self.asks_to_book_anyway = True
            if not data.get("book_anyway"):
                self.add_error("client_phone", ValidationError(
                    gettext("This phone belongs to a client flagged “do not book”. Check with the manager; "
                            "to book all the same, tick “book anyway” below."), code="do_not_book"))
        return data


class BookingEditForm(BookingForm):
    """Editing reschedules, changes equipment, the source and the client's details; the promo code stays as booked."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    suggests_clients = False

    def __init__(self, *args, booking, **kwargs):
        self.booking = booking
        self.booked_equipment = dict(booking.equipment_lines.values_list("equipment", "quantity"))
        super().__init__(*args, **kwargs)
        del self.fields["promo_code"]

    def space_choices(self, spaces):
        # The booking's own space stays choosable after it stops taking new bookings.
        return spaces.filter(Q(is_active=True) | Q(pk=self.booking.space_id))

    def equipment_choices(self):
        return Equipment.objects.filter(Q(is_active=True) | Q(pk__in=self.booked_equipment)).order_by("name", "pk")

    def equipment_quantity_field(self, item: Equipment) -> forms.IntegerField:
        if item.is_active:
            return super().equipment_quantity_field(item)
        # No longer offered: what was booked can be kept or removed, not increased.
        booked = self.booked_equipment.get(item.pk, 0)
        return forms.IntegerField(
            label=item.name, required=False, min_value=0, max_value=booked, initial=0,
            widget=forms.NumberInput(attrs={"min": 0, "max": booked, "inputmode": "numeric"}),
            help_text=gettext("no longer offered: keep it, or set 0 to remove it"),
        )

    def phone_needs_check(self, phone: str) -> bool:
        return phone != self.booking.client_phone

    @classmethod
    def initial_for(cls, booking) -> dict:
        start = timezone.localtime(booking.start)
        initial = {
            "space": booking.space.slug,
            "date": start.date(),
            "start_time": start.hour,
            "hours": booking.duration_hours,
            "client_name": booking.client_name,
            "client_phone": booking.client_phone_display,
            "client_email": booking.client_email,
            "special_requirements": booking.special_requirements,
            "notes": booking.notes,
            "internal_notes": booking.internal_notes,
            "source": booking.source,
            "version": booking.version,
        }
        for line in booking.equipment_lines.all():
            initial[f"equipment_{line.equipment_id}"] = line.quantity
        return initial


class BookingFilterForm(DateRangeForm):
    """The list's filters, search, sort and page; all optional, all in the URL."""

    q = forms.CharField(required=False, label=_("Search"), widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Reference, client name or phone")}))
    space = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", empty_label=_("All spaces"),
                                   label=_("Space"))
    state = forms.ChoiceField(required=False, choices=[("", _("All states")), *BookingState.choices], label=_("Status"))
    payment = forms.ChoiceField(required=False, choices=[("", _("Any payment")), *PaymentStatus.choices],
                                label=_("Payment"))
    source = forms.ChoiceField(required=False, choices=[("", _("Any source")), *BookingSource.choices],
                               label=_("Source"))
    sort = forms.ChoiceField(required=False, choices=[(key, key) for name in SORTS for key in (name, f"-{name}")],
                             label=_("Sort"))

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces

    @staticmethod
    def opening_query(query: QueryDict) -> QueryDict:
        """``query`` as the list reads it. ``day=today`` or ``day=tomorrow`` narrows it to that day, in the day's
        order, unless a search or dates are given (a search looks through every date); a query that names no
        filter (nor ``all``) is ``day=today``."""
        day = query.get(DAY) if query.get(DAY) in LIST_DAYS else None
        if day is None and not any(key in query for key in (*LIST_FILTERS, ALL_DATES)):
            day = "today"
        if day is None or (query.get("q") or "").strip() or query.get("date_from") or query.get("date_to"):
            return query
        date = (timezone.localdate() + timedelta(days=LIST_DAYS[day])).isoformat()
        opened = query.copy()
        opened.setlist("date_from", [date])
        opened.setlist("date_to", [date])
        opened.setdefault("sort", "start")
        return opened

    @property
    def day_shown(self):
        """The one day the list is narrowed to (From and To the same), or None."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        first, last = data.get("date_from"), data.get("date_to")
        return first if first and first == last and not self.non_field_errors() else None

    def filtered(self, bookings):
        """``bookings`` narrowed by the valid filters; invalid ones are ignored (and shown as errors)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        if not self.non_field_errors():  # From after To: the dates are ignored (and the error shown)
            if data.get("date_from"):
                bookings = bookings.filter(start__gte=day_bounds(data["date_from"], data["date_from"])[0])
            if data.get("date_to"):
                bookings = bookings.filter(start__lt=day_bounds(data["date_to"], data["date_to"])[1])
        if data.get("space"):
            bookings = bookings.filter(space=data["space"])
        if data.get("state"):
            bookings = bookings.filter(state=data["state"])
        if data.get("payment"):
            bookings = bookings.filter(payment_status=data["payment"])
        if data.get("source"):
            bookings = bookings.filter(source=data["source"])
        if data.get("q"):
            bookings = bookings.filter(search_query(data["q"]))
        return bookings

    @property
    def narrows(self) -> bool:
        """Whether any filter or search was applied (an invalid one is not)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        ignored = {"sort", "date_from", "date_to"} if self.non_field_errors() else {"sort"}
        return any(value for key, value in data.items() if key not in ignored)

    def ordering(self) -> list[str]:
        sort = (self.cleaned_data.get("sort") if hasattr(self, "cleaned_data") else "") or "-start"
        descending = sort.startswith("-")
        field = SORTS[sort.lstrip("-")]
        return [f"-{field}" if descending else field, "-pk" if descending else "pk"]

    @property
    def current_sort(self) -> str:
        return (self.cleaned_data.get("sort") if hasattr(self, "cleaned_data") else "") or "-start"


def flagged_phone(phone: str) -> bool:
    """Whether the (normalised) phone belongs to a client flagged "do not book"."""
    return Client.objects.filter(phone_index=blind_index(phone), do_not_book=True).exists()


def search_query(text: str):
    """What the bookings list's search box finds (bookings.search: a reference, a name in any case, a phone or
    its last digits, an email)."""
    return booking_search_query(text)


class BatchForm(forms.Form):
    ACTIONS = [("confirm", pgettext_lazy("batch action", "Confirm")), ("cancel", pgettext_lazy("batch action", "Cancel")),
               ("paid", pgettext_lazy("batch action", "Mark paid"))]

    action = forms.ChoiceField(choices=ACTIONS)
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={
        "required": _("Select at least one booking.")})
    reason = forms.CharField(required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the view keeps only bookings the employee may see.
        values = self.data.getlist("selected") if hasattr(self.data, "getlist") else []
        self.fields["selected"].choices = [(value, value) for value in values]

    def clean(self):
        data = super().clean()
        if data.get("action") == "cancel" and not (data.get("reason") or "").strip():
            self.add_error("reason", gettext("Give a reason to cancel the bookings."))
        return data


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=BookingState.choices)
    reason = forms.CharField(required=False, max_length=1000)
    version = forms.IntegerField(required=False)


class PaymentForm(forms.Form):
    payment_status = forms.ChoiceField(choices=PaymentStatus.choices, label=_("Set payment status"))
    version = forms.IntegerField(required=False)


class InternalNotesForm(forms.Form):
    internal_notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Internal notes")
    )
    version = forms.IntegerField()


class ClientSearchForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Name or phone")}))
    do_not_book = forms.BooleanField(required=False, label=_("Only “do not book”"))


class ClientForm(forms.Form):
    notes = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), label=_("Notes"))
    do_not_book = forms.BooleanField(
        required=False, label=_("Do not book"), help_text=_("Staff are warned when they book this client.")
    )
