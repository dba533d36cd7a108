import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext

from .mfa import has_confirmed_device
from .services import staff_session_touch

ACTIVITY_KEY = "studio_last_seen"
# When the session signed in (set by employees.receivers.log_sign_in).
SIGNED_IN_AT_KEY = "studio_signed_in_at"
# last_activity is written at most once a minute per session, not on every request.
TOUCH_EVERY_SECONDS = 60
# Reached before the second factor: signing out, the code page, and what the platform probes.
ALWAYS_ALLOWED = ("logout", "login_code", "healthz", "readyz", "metrics")


def _redirect(request, url: str):
    """A redirect that also works for htmx requests (which would otherwise swap the target page into a fragment)."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _with_next(url: str, request) -> str:
    if request.method != "GET" or request.path == reverse("home"):
        return url
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


def _sign_out(request, message: str):
    """End the session and say why on the sign-in page. Runs before the account's language is switched on
    (studio_crm.languages): ``message`` is in the sign-in page's, as a guest reads it."""
    logout(request)
    response = _redirect(request, _with_next(settings.LOGIN_URL, request))
    # MessageMiddleware runs after this one and is skipped by an early response: store directly.
    storage = default_storage(request)
    storage.add(messages.INFO, message)
    storage.update(response)
    return response


class StaffSessionMiddleware:
    """Signed-in staff sessions: idle timeout and absolute lifetime, last activity, the session list, the
    second factor, and a temporary password to replace.

    Until an employee has passed their second factor they reach only the code page (with a device) or
    the authenticator set-up pages (without one: every role needs one, ``Employee.mfa_required``), and
    sign-out. An employee holding a temporary password (``must_change_password``) reaches only the
    password page and sign-out: after the code when they have a device, before setting one up otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check_lifetime(request, user) or self._check_access(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check_lifetime(self, request, user):
        now = time.time()
        last_seen = request.session.get(ACTIVITY_KEY, now)
        if now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
            return _sign_out(request, gettext("You were signed out after a period of inactivity. Sign in again to go on."))
        # However busy the session: a stolen or forgotten one does not last for ever. A session signed
        # in before the time was recorded counts from its first request.
        signed_in_at = request.session.setdefault(SIGNED_IN_AT_KEY, now)
        hours = settings.STAFF_SESSION_MAX_HOURS
        if now - signed_in_at > hours * 60 * 60:
            message = ngettext(
                "You were signed out %(hours)d hour after signing in. Sign in again to go on.",
                "You were signed out %(hours)d hours after signing in. Sign in again to go on.",
                hours,
            ) % {"hours": hours}
            return _sign_out(request, message)
        if now - last_seen >= TOUCH_EVERY_SECONDS or ACTIVITY_KEY not in request.session:
            request.session[ACTIVITY_KEY] = now
            user.touch()
            staff_session_touch(request=request, employee=user, now=user.last_activity)
        return None

    def _check_access(self, request, user):
        if self._always_allowed(request.path):
            return None
        verified = user.is_verified()
        if not verified and has_confirmed_device(user):
            return _redirect(request, _with_next(reverse("login_code"), request))
        if user.must_change_password:
            password_page = reverse("account_password")
            return None if request.path == password_page else _redirect(request, password_page)
        if not verified and user.mfa_required and not request.path.startswith(reverse("account_mfa")):
            return _redirect(request, reverse("account_mfa"))
        return None

    @staticmethod
    def _always_allowed(path: str) -> bool:
        return path.startswith(settings.STATIC_URL) or path in {reverse(name) for name in ALWAYS_ALLOWED}
