"""The set-up pages' forms. They check what one form can see; the rules that read other rows (bookings that a
change would strand, a rate overlapping another) are the services'."""

import re
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.dates import BoundedDateField, local_midnight
from bookings.forms import refuse_control_characters
from bookings.hours import DAY_HOURS, Hours, SpecialDay, hour_label
from bookings.models import (
    MAX_CLEANUP_MINUTES,
    DiscountKind,
    Equipment,
    EquipmentPricing,
    PromoCode,
    Space,
    SpaceRate,
)

# Photos of a hall: what a phone or a camera exports, kept small enough for the website's hall cards.
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
PHOTO_MAX_BYTES = 5 * 1024 * 1024
OPENING_CHOICES = [(hour, hour_label(hour)) for hour in range(DAY_HOURS)]
CLOSING_CHOICES = [(hour, hour_label(hour)) for hour in range(1, DAY_HOURS + 1)]


class AmountField(forms.DecimalField):
    """An amount as the reader's language writes it: ``2 750,50`` in Russian, ``2,750.50`` in English; spaces
    between thousands and a currency sign typed along are let through."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(max_digits=10, decimal_places=2, min_value=0, localize=True, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s₽]", "", value)
            if get_format("DECIMAL_SEPARATOR") == ",":
                value = value.replace(".", ",") if "," not in value else value.replace(".", "")
            else:
                value = value.replace(",", "")
        return super().to_python(value)

    def clean(self, value):
        # Stored with kopecks, as the database gives it back: the audit trail then reads 2500.00 → 2600.00.
        amount = super().clean(value)
        return amount.quantize(Decimal("0.01")) if amount is not None else None


def _money_field(label, **kwargs) -> AmountField:
    return AmountField(label=label, **kwargs)


def _hour_field(label, choices, **kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, choices=choices, coerce=int, **kwargs)


class SpaceForm(forms.ModelForm):
    name = forms.CharField(label=pgettext_lazy("hall", "Name"), max_length=100, validators=[refuse_control_characters],
                           error_messages={"unique": _("There is already a hall with this name.")})
    slug = forms.SlugField(label=_("Web address"), max_length=60,
                           error_messages={"unique": _("Another hall has this web address.")},
                           help_text=_("Latin letters, digits and hyphens, e.g. white-hall: the hall's part of "
                                       "links and of the website's booking API."))
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What guests read about the hall on the booking page."))
    photo = forms.ImageField(label=_("Photo"), required=False,
                             widget=forms.FileInput(attrs={"accept": PHOTO_TYPES}),
                             help_text=_("JPEG, PNG or WebP, up to 5 MB."))
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    hourly_rate = _money_field(_("Hourly rate"), help_text=_("What an hour costs when no special rate applies."))
    colour = forms.RegexField(label=_("Colour"), regex=r"^#[0-9a-fA-F]{6}$", widget=forms.TextInput(attrs={"type": "color"}),
                              help_text=_("The hall's colour on the calendar and the board."),
                              error_messages={"invalid": _("Enter a colour as #rrggbb, e.g. #4f7cac.")})
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=1000,
                                  help_text=_("How many people the hall holds."))
    cleanup_minutes = forms.IntegerField(label=_("Cleanup, minutes"), min_value=0, max_value=MAX_CLEANUP_MINUTES,
                                         help_text=_("Kept free after each booking to clean and reset the set."))
    is_active = forms.BooleanField(label=_("Open for booking"), required=False,
                                   help_text=_("Out of service: no new bookings; the bookings made stay."))

    class Meta:
        model = Space
        fields = ["name", "slug", "description", "photo", "hourly_rate", "colour", "capacity", "cleanup_minutes",
                  "is_active"]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        # Only a new upload is measured: the stored photo may live where this process cannot read it.
        if isinstance(photo, UploadedFile) and photo.size > PHOTO_MAX_BYTES:
            raise ValidationError(_("The photo is larger than 5 MB; export a smaller one."))
        return photo

    def clean_colour(self):
        return self.cleaned_data["colour"].lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("remove_photo") and not self.files.get("photo"):
            cleaned["photo"] = False  # what a cleared file input gives: the model's photo becomes empty
        return cleaned

    @property
    def photo_changed(self) -> bool:
        """A new photo was uploaded or the photo removed (otherwise the stored one stays, see space_save)."""
        return "photo" in self.changed_data or bool(self.cleaned_data.get("remove_photo"))


class SpaceRateForm(forms.ModelForm):
    label = forms.CharField(label=pgettext_lazy("rate", "Name"), max_length=60, validators=[refuse_control_characters],
                            help_text=_("e.g. Evening, Weekend"))
    weekday = forms.TypedChoiceField(
        label=_("Days"), required=False, coerce=int, empty_value=None,
        choices=[("", _("Every day")), *((day, capfirst(name)) for day, name in WEEKDAYS.items())],
    )
    start_hour = _hour_field(pgettext_lazy("hours", "From"), OPENING_CHOICES, initial=18)
    end_hour = _hour_field(pgettext_lazy("hours", "To"), CLOSING_CHOICES, initial=22)
    hourly_rate = _money_field(_("Hourly rate"))

    class Meta:
        model = SpaceRate
        fields = ["label", "weekday", "start_hour", "end_hour", "hourly_rate"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_hour"), cleaned.get("end_hour")
        if start is not None and end is not None and end <= start:
            self.add_error("end_hour", _("The rate must end after it starts."))
        return cleaned


class EquipmentForm(forms.ModelForm):
    name = forms.CharField(label=pgettext_lazy("equipment", "Name"), max_length=100, validators=[refuse_control_characters],
                           error_messages={"unique": _("There is already equipment with this name.")})
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    price = _money_field(_("Price"))
    pricing = forms.ChoiceField(label=_("Charged"), choices=EquipmentPricing.choices, widget=forms.RadioSelect)
    stock = forms.IntegerField(label=_("In stock"), min_value=0, max_value=1000,
                               help_text=_("Units the studio owns: no more than these can be booked at one time."))
    is_active = forms.BooleanField(label=_("Offered for booking"), required=False,
                                   help_text=_("Out of service: not offered any more; bookings that have it keep it."))

    class Meta:
        model = Equipment
        fields = ["name", "description", "price", "pricing", "stock", "is_active"]


class PromoCodeForm(forms.ModelForm):
    """The validity window as dates, both included: "until 31 December" is valid all that day."""

    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Guests type it in any case."),
                           validators=[refuse_control_characters],
                           error_messages={"unique": _("There is already a promo code with this code.")})
    kind = forms.ChoiceField(label=_("Discount"), choices=DiscountKind.choices, widget=forms.RadioSelect)
    value = AmountField(label=_("Amount"), help_text=_("Percent off, or roubles off the total, as the discount says."))
    first_day = BoundedDateField(label=_("Valid from"), required=False)
    last_day = BoundedDateField(label=_("Valid until"), required=False, help_text=_("Included. Empty: no end."))
    usage_limit = forms.IntegerField(label=_("Usage limit"), required=False, min_value=1,
                                     help_text=_("How many bookings may use it. Empty: no limit."))
    is_active = forms.BooleanField(label=pgettext_lazy("promo code", "Active"), required=False,
                                   help_text=_("Switched off, the code is refused whatever its dates."))

    class Meta:
        model = PromoCode
        fields = ["code", "kind", "value", "usage_limit", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        promo = self.instance
        self.initial.setdefault("first_day", _local_day(promo.valid_from))
        self.initial.setdefault("last_day", _local_day(promo.valid_until, last=True))

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == DiscountKind.PERCENT and (cleaned.get("value") or 0) > 100:
            self.add_error("value", _("A percent discount is at most 100."))
        first, last = cleaned.get("first_day"), cleaned.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        promo, data = self.instance, self.cleaned_data
        # A date left as it was keeps the moment stored (the admin may have set one within a day).
        if "first_day" in data and data["first_day"] != self.initial.get("first_day"):
            promo.valid_from = local_midnight(data["first_day"]) if data["first_day"] else None
        if "last_day" in data and data["last_day"] != self.initial.get("last_day"):
            promo.valid_until = local_midnight(data["last_day"] + timedelta(days=1)) if data["last_day"] else None


def validity_days(promo: PromoCode) -> dict[str, date | None]:
    """The first and the last day (both included) on which ``promo`` is valid, on the studio's calendar."""
    return {"first": _local_day(promo.valid_from), "last": _local_day(promo.valid_until, last=True)}


def _local_day(moment, *, last: bool = False) -> date | None:
    """The studio's date of ``moment``; with ``last``, the last day a code valid until ``moment`` can be used."""
    if moment is None:
        return None
    return timezone.localtime(moment - timedelta(microseconds=1) if last else moment).date()


class WeekForm(forms.Form):
    """The usual week: for each weekday, open or not, and from when to when."""

    def __init__(self, *args, week: dict[int, Hours], **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, name in WEEKDAYS.items():
            opens, closes = week.get(weekday, (9, 21))
            self.fields[f"open_{weekday}"] = forms.BooleanField(
                label=capfirst(name), required=False, initial=weekday in week)
            self.fields[f"opens_{weekday}"] = _hour_field(_("Opens"), OPENING_CHOICES, initial=opens)
            self.fields[f"closes_{weekday}"] = _hour_field(_("Closes"), CLOSING_CHOICES, initial=closes)

    def rows(self):
        return [(self[f"open_{weekday}"], self[f"opens_{weekday}"], self[f"closes_{weekday}"])
                for weekday in WEEKDAYS]

    def clean(self):
        cleaned = super().clean()
        for weekday in WEEKDAYS:
            opens, closes = cleaned.get(f"opens_{weekday}"), cleaned.get(f"closes_{weekday}")
            if cleaned.get(f"open_{weekday}") and opens is not None and closes is not None and closes <= opens:
                self.add_error(f"closes_{weekday}", _("The studio must close after it opens."))
        return cleaned

    def week(self) -> dict[int, Hours | None]:
        data = self.cleaned_data
        return {weekday: (data[f"opens_{weekday}"], data[f"closes_{weekday}"]) if data[f"open_{weekday}"] else None
                for weekday in WEEKDAYS}


class SpecialDayForm(forms.ModelForm):
    CLOSED, OTHER_HOURS = "closed", "hours"

    date = BoundedDateField(label=_("Date"),
                            error_messages={"unique": _("That date already has its own hours; change them there.")})
    day_kind = forms.ChoiceField(
        label=_("That day"), widget=forms.RadioSelect, initial=CLOSED,
        choices=[(CLOSED, pgettext_lazy("special day", "Closed")), (OTHER_HOURS, _("Open other hours"))],
    )
    opens_at = _hour_field(_("Opens"), OPENING_CHOICES, required=False, empty_value=None, initial=10)
    closes_at = _hour_field(_("Closes"), CLOSING_CHOICES, required=False, empty_value=None, initial=18)
    note = forms.CharField(label=_("Note"), required=False, max_length=120, validators=[refuse_control_characters],
                           help_text=_("e.g. New Year's Eve"))

    class Meta:
        model = SpecialDay
        fields = ["date", "opens_at", "closes_at", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["day_kind"] = self.CLOSED if self.instance.is_closed else self.OTHER_HOURS

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("day_kind") == self.OTHER_HOURS:
            opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
            if opens is None or closes is None:
                self.add_error("opens_at", _("Give the hours of the day, or mark it closed."))
            elif closes <= opens:
                self.add_error("closes_at", _("The studio must close after it opens."))
        return cleaned

    def _post_clean(self):
        self.instance.is_closed = self.cleaned_data.get("day_kind") == self.CLOSED
        if self.instance.is_closed:
            self.cleaned_data["opens_at"] = self.cleaned_data["closes_at"] = None
        super()._post_clean()
