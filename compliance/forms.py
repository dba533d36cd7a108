import re

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .keys import person_keys
from .models import PolicyVersion, RequestKind, RequestStatus

KEY = re.compile(r"[0-9a-f]{64}")
VERSION = re.compile(r"[\w.-]+")


class PersonSearchForm(forms.Form):
    """Who to look for; only the keys leave the form (``cleaned_data["keys"]``)."""

    phone = forms.CharField(label=_("Phone"), required=False, max_length=32,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    email = forms.EmailField(label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"}))

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["keys"] = person_keys(phone=data.get("phone", ""), email=data.get("email", ""))
        return data


class PersonKeysForm(forms.Form):
    """The person found, carried from the search to the export or erasure as keys that reveal nothing."""

    phone_index = forms.CharField(required=False, widget=forms.HiddenInput)
    email_hash = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        keys = [data.get("phone_index") or "", data.get("email_hash") or ""]
        if not any(keys) or any(key and not KEY.fullmatch(key) for key in keys):
            raise ValidationError(_("Search for the person again."))
        return data


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(label=_("I checked that these records are this person’s and erase them"))
    reason = forms.CharField(
        label=_("Reason to cancel their bookings still to come"), required=False, max_length=300,
        help_text=_("Needed only when they have bookings to come: they are cancelled with this reason, then erased."))


class PersonErasureForm(PersonKeysForm, ErasureForm):
    """An erasure of a person found by a search (not yet in the register)."""


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why it is closed without action"), max_length=300)


class PolicyForm(forms.ModelForm):
    published_at = forms.DateTimeField(
        label=_("In force from"), required=False, help_text=_("Empty: at once."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    class Meta:
        model = PolicyVersion
        fields = ["version", "text", "published_at"]
        widgets = {"text": forms.Textarea(attrs={"rows": 12})}

    def clean_version(self) -> str:
        """The version stands in the address of its page (/book/privacy/VERSION/)."""
        version = self.cleaned_data["version"].strip()
        if not VERSION.fullmatch(version):
            raise ValidationError(_("Use letters, digits, dots and dashes, e.g. 2027-01."))
        return version


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), ("overdue", _("Overdue")), *RequestStatus.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any kind")), *RequestKind.choices])


class AuditFilterForm(forms.Form):
    who = forms.ModelChoiceField(label=_("Who"), required=False, empty_label=_("Anyone"), queryset=None)
    what = forms.ChoiceField(label=_("What"), required=False)
    object = forms.IntegerField(label=_("Record number"), required=False, min_value=1)
    date_from = forms.DateField(label=pgettext_lazy("first day", "From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=pgettext_lazy("last day", "To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, what_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].queryset = get_user_model().objects.order_by("full_name", "username")
        self.fields["what"].choices = [("", _("Everything")), *what_choices]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError(_("The first day is after the last."))
        return data

    @property
    def narrows(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) for name in self.fields)
