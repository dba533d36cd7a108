from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.forms import refuse_control_characters
from bookings.models import Space

from .access import can_give_role
from .models import Employee, EmployeeStatus, Role


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username or email"), max_length=254, validators=[refuse_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "text", "autofocus": True, "autocapitalize": "none",
            "spellcheck": "false",
        }),
    )


class ConfirmAuthenticatorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"), max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}),
    )


class CurrentPasswordForm(forms.Form):
    """Re-authentication before a sensitive change."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your current password."))
        return password


class UniqueEmailMixin:
    """Emails are unique whatever their case: people sign in with them."""

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if Employee.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another employee already uses this email."))
        return email


def language_choices():
    """The languages an account may choose, each named in itself, and first the studio's (blank): an
    account left on it follows STUDIO_LANGUAGE if that changes."""
    studio = dict(settings.LANGUAGES)[settings.STUDIO_LANGUAGE]
    return [("", _("The studio’s language (%(language)s)") % {"language": studio}), *settings.LANGUAGES]


class LanguageChoiceMixin:
    """The ``language`` field of an employee's form, offered as radio buttons with the studio's choice first."""

    def _offer_languages(self):
        field = self.fields["language"]
        field.widget = forms.RadioSelect()
        field.choices = language_choices()  # the widget's too


class ProfileForm(UniqueEmailMixin, forms.ModelForm):
    class Meta:
        model = Employee
        fields = ["full_name", "email", "phone", "department"]
        labels = {"full_name": _("Full name"), "phone": _("Phone"), "department": _("Department")}
        widgets = {"phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}


class LanguageForm(LanguageChoiceMixin, forms.ModelForm):
    """The language of the employee's own pages, mail and messages."""

    class Meta:
        model = Employee
        fields = ["language"]
        labels = {"language": _("Language")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._offer_languages()


class AccountPasswordForm(PasswordChangeForm):
    """Django's password change: the current password is required and checked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields["new_password2"].label = _("New password again")

    def clean_new_password2(self):
        password = self.cleaned_data["new_password2"]
        # Keeping a temporary password would leave it known to whoever gave it out.
        if password == self.cleaned_data.get("old_password"):
            raise forms.ValidationError(_("Choose a new password, not the one you have now."))
        return password

    def save(self, commit=True):
        # The employee's own password now: a temporary one given by an owner or admin is gone.
        self.user.must_change_password = False
        return super().save(commit)


def role_choices_for(actor):
    return [(value, label) for value, label in Role.choices if can_give_role(actor, value)]


class SpacesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class EmployeeForm(LanguageChoiceMixin, UniqueEmailMixin, forms.ModelForm):
    """Create or edit an employee. Only owners may choose the owner role."""

    spaces = SpacesField(
        queryset=Space.objects.all(), required=False, label=_("Spaces (managers)"),
        help_text=_("Managers work on the bookings of these spaces only. Owners and admins work on every space."),
    )

    class Meta:
        model = Employee
        fields = ["username", "full_name", "email", "role", "phone", "department", "language"]
        labels = {
            "username": _("Username"), "full_name": _("Full name"), "email": _("Email"), "role": _("Role"),
            "phone": _("Phone"), "department": _("Department"), "language": _("Language"),
        }
        help_texts = {
            "username": _("Used to sign in. Letters, digits and @ . + - _ only."),
            "language": _("Of their pages, mail and messages; they can change it on their account page."),
        }
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices_for(actor)
        self._offer_languages()
        if self.instance.pk:
            # The username is how people sign in and how lockouts are tracked; it stays.
            del self.fields["username"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") == Role.MANAGER and not cleaned.get("spaces"):
            self.add_error("spaces", _("Choose at least one space for a manager."))
        return cleaned


class EmployeeSearchForm(forms.Form):
    q = forms.CharField(
        label=pgettext_lazy("noun", "Search"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, username or email")}),
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *EmployeeStatus.choices]
    )

    def filter(self, employees: QuerySet[Employee]) -> QuerySet[Employee]:
        """``employees`` narrowed to what was searched for; all of them for an empty or invalid search."""
        if not self.is_valid():
            return employees
        q, role, status = (self.cleaned_data[k] for k in ("q", "role", "status"))
        if q:
            employees = employees.filter(Q(full_name__icontains=q) | Q(username__icontains=q) | Q(email__icontains=q))
        if role:
            employees = employees.filter(role=role)
        if status:
            employees = employees.filter(status=status)
        return employees
