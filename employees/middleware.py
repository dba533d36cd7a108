import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .mfa import has_confirmed_device
from .services import staff_session_touch

ACTIVITY_KEY = "studio_last_seen"
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


class StaffSessionMiddleware:
    """Signed-in staff sessions: idle timeout, last activity, the session list, and the second factor.

    Until an employee has passed their second factor they reach only the code page, the
    authenticator set-up pages and sign-out: employees with a device must enter a code; owners and
    admins (``Employee.mfa_required``) without one must set one up first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._check_idle(request, user) or self._check_second_factor(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _check_idle(self, request, user):
        now = time.time()
        last_seen = request.session.get(ACTIVITY_KEY, now)
        if now - last_seen > settings.STAFF_IDLE_TIMEOUT_MINUTES * 60:
            logout(request)
            response = _redirect(request, _with_next(settings.LOGIN_URL, request))
            # MessageMiddleware runs after this one and is skipped by an early response: store directly.
            storage = default_storage(request)
            storage.add(messages.INFO, "You were signed out after a period of inactivity.")
            storage.update(response)
            return response
        if now - last_seen >= TOUCH_EVERY_SECONDS or ACTIVITY_KEY not in request.session:
            request.session[ACTIVITY_KEY] = now
            user.touch()
            staff_session_touch(request=request, employee=user, now=user.last_activity)
        return None

    def _check_second_factor(self, request, user):
        if user.is_verified() or self._always_allowed(request.path):
            return None
        if has_confirmed_device(user):
            if request.path != reverse("login_code"):
                return _redirect(request, _with_next(reverse("login_code"), request))
        elif user.mfa_required and not request.path.startswith(reverse("account_mfa")):
            return _redirect(request, reverse("account_mfa"))
        return None

    @staticmethod
    def _always_allowed(path: str) -> bool:
        return path.startswith(settings.STATIC_URL) or path in {reverse(name) for name in ALWAYS_ALLOWED}
