"""Staff sign-in: the password, the second factor, and signing out."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from studio_crm.htmx import safe_next
from studio_crm.languages import language_of

from . import mfa, pending_sign_in
from .forms import CodeForm, SignInForm
from .lockouts import known_device_remember
from .sign_in import (
    SignInRefused,
    TooManyFailures,
    sign_in_check_code,
    sign_in_check_password,
    sign_in_complete,
    sign_in_lockout,
)


def _next_url(request) -> str:
    return safe_next(request, settings.LOGIN_REDIRECT_URL)


def signed_out_message(request) -> None:
    """Call after ``logout``: "signed out", in the language of the sign-in page that shows it (a guest's:
    the switcher's cookie or the browser's), not in that of the account that just left."""
    with translation.override(translation.get_language_from_request(request)):
        messages.info(request, _("You have signed out."))


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employee = sign_in_check_password(request, login_name=data["username"], password=data["password"])
        except SignInRefused as refusal:
            form.add_error(None, str(refusal))
            status = 429 if isinstance(refusal, TooManyFailures) else 400
        else:
            if not mfa.has_confirmed_device(employee):
                login(request, employee)
                return redirect(next_url)
            pending_sign_in.start(request, employee=employee, next_url=next_url)
            return redirect("login_code")
    if form.errors and status == 200:
        status = 400
    return render(request, "employees/login.html", {"form": form, "next": next_url}, status=status)


def _signing_in(request):
    """Who is at the code step: a signed-in but unverified employee, or one who just gave their password."""
    if request.user.is_authenticated:
        return request.user, None
    pending = pending_sign_in.current(request)
    return (pending.employee, pending) if pending else (None, None)


@require_http_methods(["GET", "POST"])
def login_code(request):
    employee, pending = _signing_in(request)
    if employee is None:
        messages.info(request, _("Please sign in again."))
        return redirect("login")
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lockout = sign_in_lockout(request, employee=employee)
        if lockout is not None:
            return lockout
        device = sign_in_check_code(request, employee=employee, code=form.cleaned_data["code"])
        if device is not None:
            sign_in_complete(request, employee=employee, device=device, pending=pending)
            if mfa.is_backup_code(device):
                left = mfa.backup_codes_left(employee)
                # Read on the next page, which is in the account's language (this one was a guest's).
                with translation.override(language_of(employee)):
                    messages.warning(request, ngettext(
                        "You used a backup code; %(count)d is left. Make new ones on your account page.",
                        "You used a backup code; %(count)d are left. Make new ones on your account page.",
                        left,
                    ) % {"count": left})
            response = redirect(pending.next_url if pending else _next_url(request))
            known_device_remember(response, request=request, username=employee.username)
            return response
        form.add_error("code", _("That code is not right, or it was already used. Wait a few seconds and try again."))
    context = {"form": form, "employee": employee, "next": _next_url(request)}
    return render(request, "employees/login_code.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    logout(request)
    signed_out_message(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)
