"""Staff sign-in with a second factor, the employee's own account, and employee management."""

import copy
import time

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.models import UserObjectPermission

from bookings.access import SPACE_PERMISSION, assigned_spaces
from bookings.models import Space
from studio_crm.htmx import safe_next

from . import mfa
from .access import admin_required, can_manage_employee, can_reset_sign_in, get_employee_for
from .forms import (
    AccountPasswordForm,
    CodeForm,
    ConfirmAuthenticatorForm,
    CurrentPasswordForm,
    EmployeeForm,
    EmployeeSearchForm,
    ProfileForm,
    SignInForm,
)
from .lockouts import count_failure, locked_subquery, lockouts_of, too_many_failures
from .models import Employee, EmployeeStatus, Role, StaffSession
from .services import (
    EmployeeActionRefused,
    employee_create,
    employee_deactivate,
    employee_reactivate,
    employee_reset_mfa,
    employee_set_temporary_password,
    employee_unlock,
    employee_update,
    staff_session_rekey,
    staff_session_revoke,
    staff_sessions_end,
    staff_sessions_forget_stale,
)

PENDING_KEY = "studio_pending_sign_in"
PENDING_SECONDS = 5 * 60
BACKUP_CODES_KEY = "studio_backup_codes"
TEMPORARY_PASSWORD_KEY = "studio_temporary_password"
TOO_MANY_FAILURES = (
    "Too many failed sign-ins for this account. Try again in an hour, or ask an owner to check the account."
)


# --- Sign-in ----------------------------------------------------------------------------------------


def _next_url(request) -> str:
    return safe_next(request, settings.LOGIN_REDIRECT_URL)


def username_for(login_name: str) -> str:
    """Employees sign in with their username or their email; axes counts failures per username."""
    login_name = login_name.strip()
    if "@" in login_name:
        username = Employee.objects.filter(email__iexact=login_name).values_list("username", flat=True).first()
        return username or login_name
    return login_name


@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = username_for(form.cleaned_data["username"])
        if too_many_failures(request, username):
            form.add_error(None, TOO_MANY_FAILURES)
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                # A lockout is turned into the lockout page by AxesMiddleware.
                count_failure(request, username)
                form.add_error(None, "The username or password is not right.")
            elif mfa.has_confirmed_device(user):
                # A fresh session key for the half-signed-in state; the password hash ties it to this password.
                request.session.cycle_key()
                request.session[PENDING_KEY] = {
                    "id": user.pk, "backend": user.backend, "hash": user.get_session_auth_hash(),
                    "at": time.time(), "next": next_url,
                }
                return redirect("login_code")
            else:
                login(request, user)
                return redirect(next_url)
    if form.errors and status == 200:
        status = 400
    return render(request, "employees/login.html", {"form": form, "next": next_url}, status=status)


def _signing_in_employee(request):
    """Who is at the code step: a signed-in but unverified employee, or one who just gave their password."""
    if request.user.is_authenticated:
        return request.user, None
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    user = Employee.objects.filter(pk=pending["id"], is_active=True).first()
    # A password changed or reset since the password step ends the half-finished sign-in.
    if user is None or not constant_time_compare(pending.get("hash", ""), user.get_session_auth_hash()):
        request.session.pop(PENDING_KEY, None)
        return None, None
    return user, pending


@require_http_methods(["GET", "POST"])
def login_code(request):
    user, pending = _signing_in_employee(request)
    if user is None:
        messages.info(request, "Please sign in again.")
        return redirect("login")
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.username}
        if AxesProxyHandler.is_locked(request, credentials):
            return get_lockout_response(request, None, credentials)
        device = mfa.verify_code(user, form.cleaned_data["code"])
        if device is None:
            # Counted by axes like a wrong password, so codes cannot be guessed without a lockout.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            form.add_error("code", "That code is not right, or it was already used. Wait a few seconds and try again.")
        else:
            next_url = pending["next"] if pending else _next_url(request)
            if pending:
                login(request, user, backend=pending["backend"])
            else:
                old_key = request.session.session_key
                request.session.cycle_key()
                staff_session_rekey(old_key=old_key, request=request)
            otp_login(request, device)
            request.session.pop(PENDING_KEY, None)
            if isinstance(device, StaticDevice):
                left = mfa.backup_codes_left(user)
                messages.warning(request, f"You used a backup code; {left} left. Make new ones on your account page.")
            return redirect(next_url)
    context = {"form": form, "employee": user, "next": _next_url(request)}
    return render(request, "employees/login_code.html", context, status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Account ------------------------------------------------------------------------------------------


def _account_page(request, *, profile_form=None, password_form=None, status=200):
    context = {
        "profile_form": profile_form or ProfileForm(instance=request.user),
        "password_form": password_form or AccountPasswordForm(request.user),
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
    messages.success(request, "Your profile is saved.")
    return redirect("account")


@login_required
@require_POST
def account_password(request):
    form = AccountPasswordForm(request.user, request.POST)
    if not form.is_valid():
        return _account_page(request, password_form=form, status=400)
    user = form.save()
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    staff_session_rekey(old_key=old_key, request=request)
    ended = staff_sessions_end(employee=user, keep_key=request.session.session_key)
    note = f" You were signed out on {ended} other device{'s' if ended != 1 else ''}." if ended else ""
    messages.success(request, "Your password is changed." + note)
    return redirect("account")


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
        "confirm_form": forms.get("confirm_form") or ConfirmAuthenticatorForm(),
        "backup_form": forms.get("backup_form") or CurrentPasswordForm(user, prefix="backup"),
        "replace_form": forms.get("replace_form") or CurrentPasswordForm(user, prefix="replace"),
        "remove_form": forms.get("remove_form") or CurrentPasswordForm(user, prefix="remove"),
        "can_remove": not user.mfa_required,
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
        messages.info(request, "There is no authenticator being set up.")
        return redirect("account_mfa")
    if form.is_valid():
        codes = mfa.authenticator_confirm(employee=request.user, device=pending, code=form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, pending)
            request.session[BACKUP_CODES_KEY] = codes
            messages.success(request, "Two-factor sign-in is on.")
            return redirect("account_mfa")
        form.add_error("code", "That code is not right. Check the time on your phone and try the next code.")
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
        messages.error(request, "Set up an authenticator app first.")
        return redirect("account_mfa")
    request.session[BACKUP_CODES_KEY] = mfa.new_backup_codes(request.user)
    messages.success(request, "New backup codes are ready; the old ones no longer work.")
    return redirect("account_mfa")


@login_required
@require_POST
def account_mfa_replace(request):
    form, ok = _password_confirmed(request, "replace")
    if not ok:
        return _mfa_page(request, replace_form=form, status=400)
    mfa.pending_authenticator_restart(request.user)
    messages.info(request, "Scan the new code. Your current authenticator keeps working until you confirm the new one.")
    return redirect("account_mfa")


@login_required
@require_POST
def account_mfa_cancel(request):
    if mfa.confirmed_authenticator(request.user) is not None:
        mfa.pending_authenticator_discard(request.user)
    return redirect("account_mfa")


@login_required
@require_POST
def account_mfa_remove(request):
    if request.user.mfa_required:
        raise PermissionDenied("Your role requires two-factor sign-in.")
    form, ok = _password_confirmed(request, "remove")
    if not ok:
        return _mfa_page(request, remove_form=form, status=400)
    mfa.mfa_devices_delete(request.user)
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("account_mfa")


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
    staff_session = get_object_or_404(StaffSession, pk=pk, employee=request.user)
    if staff_session.session_key == request.session.session_key:
        logout(request)
        messages.info(request, "You have signed out.")
        return redirect("login")
    staff_session_revoke(staff_session=staff_session)
    messages.success(request, f"Signed out {staff_session.device_label}.")
    return redirect("account_sessions")


@login_required
@require_POST
def account_sessions_revoke_others(request):
    ended = staff_sessions_end(employee=request.user, keep_key=request.session.session_key)
    messages.success(request, f"Signed out of {ended} other session{'s' if ended != 1 else ''}.")
    return redirect("account_sessions")


# --- Employees ---------------------------------------------------------------------------------------


def _spaces_by_employee(employees) -> dict[int, list[str]]:
    """Names of the spaces each manager works on, in two queries whatever the number of employees."""
    rows = UserObjectPermission.objects.filter(
        user__in=[e.pk for e in employees],
        permission__codename=SPACE_PERMISSION.split(".")[1],
        content_type=ContentType.objects.get_for_model(Space),
    ).values_list("user_id", "object_pk")
    # A studio has a handful of halls: one query for all their names keeps the count fixed.
    names = dict(Space.objects.values_list("pk", "name"))
    spaces: dict[int, list[str]] = {}
    for user_id, space_pk in rows:
        if int(space_pk) in names:
            spaces.setdefault(user_id, []).append(names[int(space_pk)])
    return {user_id: sorted(found) for user_id, found in spaces.items()}


@admin_required
@require_GET
def employee_list(request):
    search = EmployeeSearchForm(request.GET or None)
    employees = Employee.objects.annotate(
        mfa_on=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        locked=locked_subquery(),
    ).order_by("full_name", "username")
    if search.is_valid():
        q, role, status = (search.cleaned_data[k] for k in ("q", "role", "status"))
        if q:
            employees = employees.filter(Q(full_name__icontains=q) | Q(username__icontains=q) | Q(email__icontains=q))
        if role:
            employees = employees.filter(role=role)
        if status:
            employees = employees.filter(status=status)
    page = Paginator(employees, 25).get_page(request.GET.get("page"))
    spaces = _spaces_by_employee(page.object_list)
    rows = [{"employee": e, "spaces": spaces.get(e.pk, []), "manageable": can_manage_employee(request.user, e)}
            for e in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"search": search, "page": page, "rows": rows, "query": params.urlencode()}
    template = "employees/list.html#rows" if request.htmx else "employees/list.html"
    return render(request, template, context)


@admin_required
@require_http_methods(["GET", "POST"])
def employee_new(request):
    form = EmployeeForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            employee, password = employee_create(
                username=data["username"], full_name=data["full_name"], email=data["email"], role=data["role"],
                spaces=data["spaces"], phone=data["phone"], department=data["department"], by=request.user,
            )
        except EmployeeActionRefused as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        request.session[TEMPORARY_PASSWORD_KEY] = {"pk": employee.pk, "password": password}
        messages.success(request, f"{employee} can now sign in with the temporary password below.")
        return redirect("employee_detail", pk=employee.pk)
    return render(request, "employees/new.html", {"form": form}, status=400 if form.errors else 200)


def _employee_page(request, employee, *, form=None, status=200):
    manageable = can_manage_employee(request.user, employee)
    temporary = request.session.get(TEMPORARY_PASSWORD_KEY)
    if temporary and temporary["pk"] == employee.pk:
        del request.session[TEMPORARY_PASSWORD_KEY]
    else:
        temporary = None
    if form is None and manageable:
        form = EmployeeForm(instance=employee, actor=request.user, initial={"spaces": assigned_spaces(employee)})
    context = {
        "employee": employee,
        "form": form,
        "manageable": manageable,
        "may_reset_sign_in": can_reset_sign_in(request.user, employee),
        "is_self": employee.pk == request.user.pk,
        "spaces": _spaces_by_employee([employee]).get(employee.pk, []),
        "authenticator": mfa.confirmed_authenticator(employee),
        "backup_codes_left": mfa.backup_codes_left(employee),
        "lockouts": list(lockouts_of(employee)),
        "session_count": StaffSession.objects.filter(employee=employee).count(),
        "temporary_password": temporary["password"] if temporary else None,
        "deactivated": employee.status == EmployeeStatus.DEACTIVATED,
        "Role": Role,
    }
    return render(request, "employees/detail.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def employee_detail(request, pk):
    employee = get_employee_for(request, pk, write=request.method == "POST")
    if request.method == "GET":
        return _employee_page(request, employee)
    # A copy: a refused form must not change the name shown in the page header.
    form = EmployeeForm(request.POST, instance=copy.copy(employee), actor=request.user)
    if not form.is_valid():
        return _employee_page(request, employee, form=form, status=400)
    data = form.cleaned_data
    try:
        employee_update(
            employee=employee, by=request.user, role=data["role"], spaces=data["spaces"],
            full_name=data["full_name"], email=data["email"], phone=data["phone"], department=data["department"],
        )
    except EmployeeActionRefused as refusal:
        form.add_error(None, str(refusal))
        return _employee_page(request, employee, form=form, status=409)
    messages.success(request, f"{employee} is saved.")
    return redirect("employee_detail", pk=employee.pk)


def _employee_action(request, pk, action, done: str, rule=can_manage_employee):
    employee = get_employee_for(request, pk, write=True, rule=rule)
    try:
        result = action(employee=employee, by=request.user)
    except EmployeeActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if isinstance(result, str):
            request.session[TEMPORARY_PASSWORD_KEY] = {"pk": employee.pk, "password": result}
        messages.success(request, done.format(employee=employee))
    return redirect(reverse("employee_detail", args=[employee.pk]))


@admin_required
@require_POST
def employee_deactivate_view(request, pk):
    return _employee_action(request, pk, employee_deactivate, "{employee} is deactivated and signed out everywhere.")


@admin_required
@require_POST
def employee_reactivate_view(request, pk):
    return _employee_action(request, pk, employee_reactivate, "{employee} can sign in again.")


@admin_required
@require_POST
def employee_reset_mfa_view(request, pk):
    return _employee_action(
        request, pk, employee_reset_mfa, "Two-factor sign-in of {employee} is reset; they set it up at their next sign-in.",
        rule=can_reset_sign_in,
    )


@admin_required
@require_POST
def employee_unlock_view(request, pk):
    return _employee_action(request, pk, employee_unlock, "{employee} is unlocked.")


@admin_required
@require_POST
def employee_password_view(request, pk):
    return _employee_action(
        request, pk, employee_set_temporary_password, "{employee} has a new temporary password and was signed out.",
        rule=can_reset_sign_in,
    )
