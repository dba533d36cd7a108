from datetime import timedelta

from django import forms

from bookings.dates import EARLIEST, LATEST, DateRangeForm

from .services import BOARD_STATES, DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, default_range


class BoardFilterForm(DateRangeForm):
    """The board's range (at most ``MAX_RANGE_DAYS`` days, within the years staff can pick) and space."""

    max_days = MAX_RANGE_DAYS
    space = forms.ModelChoiceField(label="Space", queryset=None, required=False, empty_label="All spaces")

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        # One end given: a week from it (or up to it); none: this week.
        if date_from and not date_to:
            date_to = min(date_from + timedelta(days=DEFAULT_RANGE_DAYS), LATEST)
        elif date_to and not date_from:
            date_from = max(date_to - timedelta(days=DEFAULT_RANGE_DAYS), EARLIEST)
        elif not date_from:
            date_from, date_to = default_range()
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def filters(self) -> dict:
        """The range and space to show: what was asked for if valid, else the default week."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return {"date_from": data["date_from"], "date_to": data["date_to"], "space": data["space"]}
        date_from, date_to = default_range()
        return {"date_from": date_from, "date_to": date_to, "space": None}


class MoveForm(forms.Form):
    booking = forms.IntegerField(min_value=1)
    to = forms.ChoiceField(choices=[(state, state) for state in BOARD_STATES])
    version = forms.IntegerField(min_value=1, required=False)
    reason = forms.CharField(max_length=1000, required=False)
    order = forms.CharField(required=False, max_length=20_000)

    def clean_order(self) -> list[int]:
        raw = [part.strip() for part in self.cleaned_data["order"].split(",") if part.strip()]
        if len(raw) > 1000 or not all(part.isdigit() for part in raw):
            raise forms.ValidationError("The order of the column could not be read.")
        return [int(part) for part in raw]
