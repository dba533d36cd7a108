"""Days in the studio's time zone, the date ranges staff pick on list pages, and lengths of time as people read them."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy

# Dates outside these bounds are refused: arithmetic on them (a day later, a week earlier) would overflow.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
DATE_WIDGET = forms.DateInput(attrs={"type": "date", "min": EARLIEST.isoformat(), "max": LATEST.isoformat()},
                              format="%Y-%m-%d")


def local_midnight(day: date) -> datetime:
    """The aware start of ``day`` in the studio's zone (correct on days with a clock change)."""
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[start of ``first``, start of the day after ``last``), aware, studio time."""
    return local_midnight(first), local_midnight(last + timedelta(days=1))


class BoundedDateField(forms.DateField):
    widget = DATE_WIDGET

    def validate(self, value):
        super().validate(value)
        if value and not EARLIEST <= value <= LATEST:
            raise ValidationError(gettext("Choose a date between %(first)s and %(last)s.") % {
                "first": EARLIEST.year, "last": LATEST.year}, code="out_of_range")


class DateRangeForm(forms.Form):
    """From/To filters. Either may be empty; when both are given, From is not after To."""

    date_from = BoundedDateField(required=False, label=pgettext_lazy("date range", "From"))
    date_to = BoundedDateField(required=False, label=pgettext_lazy("date range", "To"))
    max_days: int | None = None

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last:
            if first > last:
                raise ValidationError(gettext("“From” must not be after “To”."), code="order")
            if self.max_days and (last - first).days + 1 > self.max_days:
                raise ValidationError(ngettext("Choose at most %(days)s day.", "Choose at most %(days)s days.",
                                               self.max_days) % {"days": self.max_days}, code="too_long")
        return cleaned


def hours_text(hours: int) -> str:
    """A length of time in whole hours as a sentence writes it: "1 hour", "5 hours" ("1 час", "2 часа", "5 часов")."""
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def hours_short(hours: int) -> str:
    """The same where room is short: "2 h" ("2 ч")."""
    return gettext("%(count)s h") % {"count": hours}
