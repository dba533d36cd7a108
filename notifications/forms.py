from django import forms
from django.utils.translation import gettext_lazy as _

from .models import STAFF_EMAIL_FIELDS, Channel, Kind, StaffNotificationSettings, Status


class DeliveryFilterForm(forms.Form):
    """The deliveries page's filters; all optional, all in the URL."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=[("", _("Any channel")), *Channel.choices])
    kind = forms.ChoiceField(label=_("Event"), required=False, choices=[("", _("Any event")), *Kind.choices])

    def filtered(self, notifications):
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        for field in ("status", "channel", "kind"):
            if data.get(field):
                notifications = notifications.filter(**{field: data[field]})
        return notifications

    @property
    def narrows(self) -> bool:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return any(data.values())


class StaffEmailForm(forms.ModelForm):
    class Meta:
        model = StaffNotificationSettings
        fields = list(STAFF_EMAIL_FIELDS.values())
