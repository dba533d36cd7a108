"""The steps of a staff sign-in: the password, then the second factor. The sign-in views call these."""

from axes.helpers import get_lockout_response
from django.contrib.auth import authenticate, login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.models import Device

from . import mfa, pending_sign_in
from .lockouts import count_failure, is_locked_here, too_many_failures, username_limit_applies
from .models import Employee
from .pending_sign_in import PendingSignIn
from .services import staff_session_rekey

TOO_MANY_FAILURES = gettext_lazy(
    "Too many failed sign-ins for this account from other devices. Sign in from a device you used before, "
    "try again in an hour, or ask an owner to unlock the account."
)
WRONG_PASSWORD = gettext_lazy("The username or password is not right.")


class SignInRefused(Exception):
    """The password step failed; the message is shown to the person signing in."""


class TooManyFailures(SignInRefused):
    """The username had too many failed sign-ins from all addresses together."""


def username_for(login_name: str) -> str:
    """The username that a typed username or email names, spelled one way only.

    Employees sign in with their username or their email, in any case; axes and the limit per username
    count failures by what this returns, so "Owner" and "oWNer" are one account to both, not 2^5 of them.
    """
    login_name = login_name.strip()
    field = "email__iexact" if "@" in login_name else "username__iexact"
    username = Employee.objects.filter(**{field: login_name}).values_list("username", flat=True).first()
    return username or login_name.lower()


def sign_in_check_password(request, *, login_name: str, password: str) -> Employee:
    """The employee whose username (or email) and password these are; raises SignInRefused if there is none.

    A lockout from this address is turned into the lockout page by AxesMiddleware.
    """
    username = username_for(login_name)
    limited = username_limit_applies(request, username)
    if limited and too_many_failures(username):
        raise TooManyFailures(TOO_MANY_FAILURES)
    employee = authenticate(request, username=username, password=password)
    if employee is None:
        if limited:
            count_failure(username)
        raise SignInRefused(WRONG_PASSWORD)
    return employee


def sign_in_lockout(request, *, employee: Employee) -> HttpResponse | None:
    """The lockout page if ``employee`` is locked out from this address, else None."""
    if is_locked_here(request, employee.username):
        return get_lockout_response(request, None, {"username": employee.username})
    return None


def sign_in_check_code(request, *, employee: Employee, code: str) -> Device | None:
    """The device that accepts ``code``, or None.

    A wrong code is counted by axes like a wrong password, so codes cannot be guessed without a lockout.
    """
    device = mfa.verify_code(employee, code)
    if device is None:
        user_login_failed.send(sender=__name__, credentials={"username": employee.username}, request=request)
    return device


def sign_in_complete(request, *, employee: Employee, device: Device, pending: PendingSignIn | None) -> None:
    """Sign ``employee`` in once ``device`` accepted their code: the one who gave their password
    (``pending``), or the signed-in employee who still had to pass the second factor."""
    if pending is not None:
        login(request, employee, backend=pending.backend)
    else:
        old_key = request.session.session_key
        request.session.cycle_key()
        staff_session_rekey(old_key=old_key, request=request)
    otp_login(request, device)
    pending_sign_in.clear(request)
