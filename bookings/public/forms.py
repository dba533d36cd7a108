"""Forms of the public booking page. Guests are strangers: every text field has a length limit, the
time and promo code are checked by the same rules as the services, and nothing here trusts a price.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..availability import equipment_free, validate_booking_day, validate_booking_time
from ..errors import add_service_error, service_errors
from ..forms import refuse_control_characters, start_hour_choices
from ..models import Equipment, Space
from ..phones import normalise_phone
from ..services import promo_for

# booking_create names the length's errors by the end time; these forms ask for hours.
SERVICE_FIELDS = {"end": "hours"}


def latest_bookable_day() -> date:
    return timezone.localdate() + timedelta(days=settings.BOOKING_HORIZON_DAYS)


def start_choices() -> list[tuple[str, str]]:
    """Every whole hour a booking could start at while the studio is open, as "HH:MM" values."""
    return [(label, label) for _hour, label in start_hour_choices()]


def length_choices(longest: int | None = None) -> list[tuple[int, str]]:
    top = min(longest or settings.BOOKING_MAX_HOURS, settings.BOOKING_MAX_HOURS)
    return [(hours, ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours})
            for hours in range(settings.BOOKING_MIN_HOURS, top + 1)]


def studio_datetime(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.get_current_timezone())


def add_service_errors(forms: list, error: ValidationError) -> None:
    """``add_service_error`` across the booking page's forms: each message goes to the form that has its field,
    the rest above the first form."""
    for name, messages in service_errors(error).items():
        field = SERVICE_FIELDS.get(name, name)
        form = next((form for form in forms if field in form.fields), forms[0])
        add_service_error(form, ValidationError({field: messages}) if name else ValidationError(messages))


class SlotQueryForm(forms.Form):
    """Step one (a GET form): which space, which day."""

    space = forms.ModelChoiceField(
        queryset=Space.objects.filter(is_active=True),
        to_field_name="slug",
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of our halls."), "required": _("Choose a hall.")},
    )
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_date(self):
        day = self.cleaned_data.get("date") or timezone.localdate()
        validate_booking_day(day)
        return day


class SlotChoiceForm(forms.Form):
    """What is being booked: space, day, start, length, equipment, promo code. Enough for a price."""

    space = forms.ModelChoiceField(
        queryset=Space.objects.filter(is_active=True),
        to_field_name="slug",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose one of our halls."), "required": _("Choose a hall.")},
    )
    date = forms.DateField(widget=forms.HiddenInput)
    start = forms.ChoiceField(label=_("Start time"), error_messages={
        "required": _("Pick a start time."),
        "invalid_choice": _("Pick one of the free start times (bookings start on the hour)."),
    })
    hours = forms.TypedChoiceField(label=_("Length"), coerce=int)
    promo_code = forms.CharField(label=_("Promo code"), max_length=32, required=False,
                                 widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, equipment=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = start_choices()
        self.fields["hours"].choices = length_choices()
        self.equipment_items = list(equipment)
        # Units of each item free for the chosen time, by id; None until the form holds a bookable time.
        self.free_equipment: dict[int, int] | None = None
        for item in self.equipment_items:
            self.fields[f"equipment_{item.pk}"] = forms.IntegerField(
                label=item.name, min_value=0, max_value=item.stock, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def equipment_fields(self):
        """(item, field, units free for the chosen time or None before one is chosen) for each item."""
        free = self.free_equipment or {}
        return [(item, self[f"equipment_{item.pk}"], free.get(item.pk)) for item in self.equipment_items]

    def equipment_errors(self) -> list[str]:
        return [message for item in self.equipment_items for message in self.errors.get(f"equipment_{item.pk}", ())]

    def clean_date(self):
        return SlotQueryForm.clean_date(self)

    def clean(self):
        data = super().clean()
        if not {"space", "date", "start", "hours"} <= data.keys():
            return data
        start = studio_datetime(data["date"], time.fromisoformat(data["start"]))
        end = start + timedelta(hours=data["hours"])
        try:
            validate_booking_time(start, end)
        except ValidationError as error:
            add_service_error(self, error, SERVICE_FIELDS)
        else:
            self.free_equipment = {item.pk: free for item, free in equipment_free(self.equipment_items, start, end).items()}
        data["start_at"], data["end_at"] = start, end
        data["equipment"] = self._equipment_for_the_time(data)
        try:
            data["promo"] = promo_for(data.get("promo_code", ""))
        except ValidationError as error:
            add_service_error(self, error, SERVICE_FIELDS)
        return data


    def _equipment_for_the_time(self, data) -> dict:
        """The quantities asked for; one beyond what is free for the time is refused on its field and left out
        (the price shows what can be had; the request cannot be sent until the guest changes it)."""
        equipment = {}
        for item in self.equipment_items:
            quantity = data.get(f"equipment_{item.pk}")
            if not quantity:
                continue
            free = item.stock if self.free_equipment is None else self.free_equipment.get(item.pk, 0)
            if quantity > free:
                self.add_error(f"equipment_{item.pk}", (
                    ngettext("Only %(count)s free at this time.", "Only %(count)s free at this time.", free)
                    % {"count": free} if free else
                    _("All booked at this time: choose another time or leave it out.")))
                continue
            equipment[item] = quantity
        return equipment


class GuestDetailsForm(forms.Form):
    """Who is booking. ``website`` is a honeypot: people never see it, form-filling robots do."""

    client_name = forms.CharField(label=_("Your name"), max_length=150, validators=[refuse_control_characters],
                                  widget=forms.TextInput(attrs={"autocomplete": "name"}))
    client_phone = forms.CharField(label=_("Phone"), max_length=32,
                                   widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                                                 "placeholder": "+7 916 123-45-67"}))
    client_email = forms.EmailField(label=_("Email (optional)"), max_length=254, required=False,
                                    widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    special_requirements = forms.CharField(
        label=_("Special requirements (optional)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Props, backdrops, number of people, anything we should prepare")}),
    )
    consent = forms.BooleanField(
        label=_("I agree to the processing of my personal data for this booking"),
        error_messages={"required": _("Please agree to the processing of your personal data, so that we can handle your booking.")},
    )
    website = forms.CharField(required=False, max_length=200, label=_("Leave this field empty"))

    def clean_client_name(self):
        name = " ".join(self.cleaned_data["client_name"].split())
        if not name:
            raise ValidationError(_("Enter your name."))
        return name

    def clean_client_phone(self):
        return normalise_phone(self.cleaned_data["client_phone"])

    @property
    def is_robot(self) -> bool:
        return bool((self.data.get("website") or "").strip())


class LookupForm(forms.Form):
    reference = forms.CharField(label=_("Booking reference"), max_length=32,
                                widget=forms.TextInput(attrs={"placeholder": "REF-20260315-AB7K", "autocapitalize": "characters",
                                                              "spellcheck": "false"}))
    phone = forms.CharField(label=_("Phone used for the booking"), max_length=32,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class GuestCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why are you cancelling?"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Tell us briefly why you are cancelling.")})


def active_equipment():
    return list(Equipment.objects.filter(is_active=True))
