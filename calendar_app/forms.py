from django import forms

from bookings.models import BlockKind


class SpaceChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="slug", empty_label=None, **kwargs)


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 3600}, format="%Y-%m-%dT%H:%M")


class MoveForm(forms.Form):
    """Reschedule: the space, the new start, and (optionally) a new length in hours."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    space = SpaceChoiceField(queryset=None)
    start = forms.DateTimeField(widget=DATETIME_WIDGET, label="Starts")
    hours = forms.IntegerField(min_value=1, max_value=24, required=False, label="Length, hours")

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces


class BlockForm(forms.Form):
    space = SpaceChoiceField(queryset=None)
    start = forms.DateTimeField(widget=DATETIME_WIDGET, label="From")
    end = forms.DateTimeField(widget=DATETIME_WIDGET, label="Until")
    kind = forms.ChoiceField(choices=BlockKind.choices, label="Reason")
    note = forms.CharField(max_length=200, required=False, label="Note (optional)")

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] <= cleaned["start"]:
            self.add_error("end", "The end must be after the start.")
        return cleaned
