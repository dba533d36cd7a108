"""The signed-in employee's own account: profile and password, two-step sign-in, sessions."""

import copy

from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login

from studio_crm.languages import language_of

from . import mfa
from .access import get_staff_session_for
from .forms import (
    AccountPasswordForm,
    ConfirmAuthenticatorForm,
    CurrentPasswordForm,
    LanguageForm,
    ProfileForm,
)
from .lockouts import known_device_remember
from .models import StaffSession
from .services import (
    EmployeeActionRefused,
    employee_language_set,
    staff_session_rekey,
    staff_session_revoke,
    staff_sessions_end,
    staff_sessions_forget_stale,
)
from .sign_in_views import signed_out_message

# New backup codes wait here for the one page that shows them.
BACKUP_CODES_KEY = "studio_backup_codes"


# --- Profile and password ---------------------------------------------------------------------------


def _account_page(request, *, profile_form=None, password_form=None, language_form=None, status=200):
    context = {
        "profile_form": profile_form or ProfileForm(instance=request.user),
        "password_form": password_form or AccountPasswordForm(request.user),
        "language_form": language_form or LanguageForm(instance=request.user),
        "authenticator": mfa.confirmed_authenticator(request.user),
        "session_count": StaffSession.objects.filter(employee=request.user).count(),
    }
    return render(request, "account/account.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    if request.method == "GET":
        return _account_page(request)
    # A copy: a refused form must not change the name shown in the page header.
    form = ProfileForm(request.POST, instance=copy.copy(request.user))
    if not form.is_valid():
        return _account_page(request, profile_form=form, status=400)
    form.save()
    messages.success(request, _("Your profile is saved."))
    return redirect("account")


@login_required
@require_POST
def account_language(request):
    """The language of the employee's own pages: the next page (the redirect) is already in it."""
    form = LanguageForm(request.POST, instance=copy.copy(request.user))
    if not form.is_valid():
        return _account_page(request, language_form=form, status=400)
    try:
        employee = employee_language_set(employee=request.user, language=form.cleaned_data["language"], by=request.user)
    except EmployeeActionRefused as refusal:
        form.add_error("language", str(refusal))
        return _account_page(request, language_form=form, status=400)
    # Said in the language just chosen, on the first page shown in it.
    with translation.override(language_of(employee)):
        messages.success(request, _("Your pages are now in this language."))
    return redirect("account")


def _password_page(request, *, form, status=200):
    """Where the password is changed: the account page, or a page of its own for an employee who must
    replace a temporary password before anything else."""
    if request.user.must_change_password:
        return render(request, "account/password_required.html", {"form": form}, status=status)
    return _account_page(request, password_form=form, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def account_password(request):
    form = AccountPasswordForm(request.user, request.POST or None)
    if not form.is_valid():
        return _password_page(request, form=form, status=400 if form.is_bound else 200)
    user = form.save()
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    staff_session_rekey(old_key=old_key, request=request)
    ended = staff_sessions_end(employee=user, keep_key=request.session.session_key, by=user)
    if ended:
        messages.success(request, ngettext(
            "Your password is changed. You were signed out on %(count)d other device.",
            "Your password is changed. You were signed out on %(count)d other devices.",
            ended,
        ) % {"count": ended})
    else:
        messages.success(request, _("Your password is changed."))
    return redirect("account")


# --- Two-step sign-in -------------------------------------------------------------------------------


def _mfa_page(request, *, status=200, **forms):
    user = request.user
    authenticator = mfa.confirmed_authenticator(user)
    pending = mfa.pending_authenticator(user) if authenticator is None or mfa.has_pending_authenticator(user) else None
    context = {
        "authenticator": authenticator,
        "pending": pending,
        "qr_svg": mfa.qr_svg(pending) if pending else "",
        "secret": mfa.secret_base32(pending) if pending else "",
        "backup_codes": request.session.pop(BACKUP_CODES_KEY, None),
        "backup_codes_left": mfa.backup_codes_left(user),
        "backup_code_count": mfa.BACKUP_CODE_COUNT,
        "confirm_form": forms.get("confirm_form") or ConfirmAuthenticatorForm(),
        "backup_form": forms.get("backup_form") or CurrentPasswordForm(user, prefix="backup"),
        "replace_form": forms.get("replace_form") or CurrentPasswordForm(user, prefix="replace"),
        "setup_required": user.mfa_required and authenticator is None,
    }
    return render(request, "account/mfa.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def account_mfa(request):
    """Status of two-factor sign-in; POST confirms the authenticator being set up with its first code."""
    if request.method == "GET":
        return _mfa_page(request)
    pending = mfa.pending_authenticator(request.user) if mfa.has_pending_authenticator(request.user) else None
    form = ConfirmAuthenticatorForm(request.POST)
    if pending is None:
        messages.info(request, _("There is no authenticator being set up."))
        return redirect("account_mfa")
    if form.is_valid():
        codes = mfa.authenticator_confirm(employee=request.user, device=pending, code=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, pending)
            request.session[BACKUP_CODES_KEY] = codes
            messages.success(request, _("Two-step sign-in is on."))
            response = redirect("account_mfa")
            known_device_remember(response, request=request, username=request.user.username)
            return response
        form.add_error("code", _("That code is not right. Check the time on your phone and try the next code."))
    return _mfa_page(request, confirm_form=form, status=400)


def _password_confirmed(request, prefix: str):
    form = CurrentPasswordForm(request.user, request.POST, prefix=prefix)
    return form, form.is_valid()


@login_required
@require_POST
def account_mfa_backup_codes(request):
    form, ok = _password_confirmed(request, "backup")
    if not ok:
        return _mfa_page(request, backup_form=form, status=400)
    if mfa.confirmed_authenticator(request.user) is None:
        messages.error(request, _("Set up an authenticator app first."))
        return redirect("account_mfa")
    request.session[BACKUP_CODES_KEY] = mfa.new_backup_codes(request.user)
    messages.success(request, _("New backup codes are ready; the old ones no longer work."))
    return redirect("account_mfa")


@login_required
@require_POST
def account_mfa_replace(request):
    form, ok = _password_confirmed(request, "replace")
    if not ok:
        return _mfa_page(request, replace_form=form, status=400)
    mfa.pending_authenticator_restart(request.user)
    messages.info(request, _("Scan the new code. Your current authenticator keeps working until you confirm the new one."))
    return redirect("account_mfa")


@login_required
@require_POST
def account_mfa_cancel(request):
    if mfa.confirmed_authenticator(request.user) is not None:
        mfa.pending_authenticator_discard(request.user)
    return redirect("account_mfa")


# --- Sessions ---------------------------------------------------------------------------------------


@login_required
@require_GET
def account_sessions(request):
    staff_sessions_forget_stale(employee=request.user)
    sessions = StaffSession.objects.filter(employee=request.user)
    context = {"sessions": sessions, "current_key": request.session.session_key}
    return render(request, "account/sessions.html", context)


@login_required
@require_POST
def account_session_revoke(request, pk):
    staff_session = get_staff_session_for(request, pk)
    if staff_session.session_key == request.session.session_key:
        logout(request)
        signed_out_message(request)
        return redirect("login")
    staff_session_revoke(staff_session=staff_session, by=request.user)
    messages.success(request, _("Signed out %(device)s.") % {"device": staff_session.device_label})
    return redirect("account_sessions")


@login_required
@require_POST
def account_sessions_revoke_others(request):
    ended = staff_sessions_end(employee=request.user, keep_key=request.session.session_key, by=request.user)
    messages.success(request, ngettext(
        "Signed out of %(count)d other session.", "Signed out of %(count)d other sessions.", ended,
    ) % {"count": ended})
    return redirect("account_sessions")
