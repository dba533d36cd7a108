from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import BlockKind


class SpaceChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="slug", empty_label=None, **kwargs)


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 3600}, format="%Y-%m-%dT%H:%M")


class MoveForm(forms.Form):
    """Reschedule: the space, the new start, and (optionally) a new length in hours."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    space = SpaceChoiceField(queryset=None, label=_("Space"))
    start = forms.DateTimeField(widget=DATETIME_WIDGET, label=_("Starts"))
    hours = forms.IntegerField(min_value=1, max_value=24, required=False, label=_("Length, hours"))

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces


class BlockForm(forms.Form):
    space = SpaceChoiceField(queryset=None, label=_("Space"))
    start = forms.DateTimeField(widget=DATETIME_WIDGET, label=_("From"))
    end = forms.DateTimeField(widget=DATETIME_WIDGET, label=_("Until"))
    kind = forms.ChoiceField(choices=BlockKind.choices, label=_("Reason"))
    note = forms.CharField(max_length=200, required=False, label=_("Note (optional)"))

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] <= cleaned["start"]:
            self.add_error("end", _("The end must be after the start."))
        return cleaned
