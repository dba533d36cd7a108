"""Limits on guessing passwords, and why they cannot be turned against the employee.

django-axes locks an account out from one address after ``AXES_FAILURE_LIMIT`` failures. Guessing from
many addresses is bounded by ``settings.SIGN_IN_FAILURES_PER_USERNAME`` ("count/period", django-ratelimit):
the failed sign-ins of one username from all addresses together, counted in the default cache.

Neither lets an attacker lock the employee out of their own devices. A failure from an address that
axes already refuses for this username is not counted for the username, so one address adds at most
``AXES_FAILURE_LIMIT`` to it however long it keeps trying. And a browser in which the employee
completed a sign-in before carries a signed "known device" cookie: there the limit per username
neither applies nor counts, while axes still limits guessing from that browser's address. An owner's
Unlock clears both limits (``sign_in_failures_clear``).
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_ratelimit.core import get_usage

log = logging.getLogger("studio.security")

KNOWN_DEVICE_SALT = "employees.known-device"
# A front-desk computer may be shared; the cookie remembers the most recent employees only.
KNOWN_DEVICE_EMPLOYEES = 10


def _active_lockouts():
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME))
    return attempts


def locked_subquery():
    """For ``.annotate(locked=...)`` on employees: locked out from at least one address."""
    return Exists(_active_lockouts().filter(username=OuterRef("username")))


def lockouts_of(employee):
    return _active_lockouts().filter(username=employee.username).order_by("-attempt_time")


def is_locked_here(request: HttpRequest, username: str) -> bool:
    """Whether axes refuses ``username`` from this request's address."""
    return AxesProxyHandler.is_locked(request, {"username": username})


# --- Failures per username, from every address ------------------------------------------------------


def _digest(username: str) -> str:
    return hashlib.sha256(username.lower().encode()).hexdigest()


def _generation_key(username: str) -> str:
    return f"sign-in:generation:{_digest(username)}"


def _username_failures(username: str, *, count: bool):
    """django-ratelimit's usage of the username's counter. Unlock starts a new generation of the key,
    so the count starts again from zero; the old counter expires on its own."""

    def key(group, request):
        return f"{username.lower()}:{cache.get(_generation_key(username), 0)}"

    try:
        # The count is per username: nothing of the request is read.
        return get_usage(
            None, group="sign-in:username", key=key, rate=settings.SIGN_IN_FAILURES_PER_USERNAME, increment=count
        )
    except Exception:  # the cache is unreachable: axes still limits each address
        log.warning("Sign-in limit per username skipped: the cache is unavailable.", exc_info=True)
        return None


def too_many_failures(username: str) -> bool:
    """Whether ``username`` has had as many failed sign-ins as the limit allows in the current period."""
    usage = _username_failures(username, count=False)
    return bool(usage) and usage["count"] >= usage["limit"]


def count_failure(username: str) -> None:
    usage = _username_failures(username, count=True)
    if usage and usage["count"] == usage["limit"]:
        log.warning("sign-in limit per username reached username=%s", username)


def username_limit_applies(request: HttpRequest, username: str) -> bool:
    """Whether this attempt is held to, and counted for, the limit per username: not when axes already
    refuses this address (its failures prove nothing about other addresses), nor in a known device."""
    return not is_locked_here(request, username) and not is_known_device(request, username)


def sign_in_failures_clear(*, username: str) -> int:
    """Forget every failed sign-in of ``username``: axes' attempts from every address and the count per
    username. Returns how many axes records were removed."""
    cleared = axes_reset(username=username)
    try:
        cache.set(_generation_key(username), secrets.token_hex(8), timeout=None)
    except Exception:  # the cache is unreachable: its counter expires with its period
        log.warning("Sign-in count per username not cleared: the cache is unavailable.", exc_info=True)
    return cleared


# --- Known devices -----------------------------------------------------------------------------------


def _device_token(username: str) -> str:
    """What the cookie holds for one employee: a keyed digest, so it names nobody to whoever reads it."""
    return salted_hmac(KNOWN_DEVICE_SALT, username.lower(), algorithm="sha256").hexdigest()[:20]


def _known_tokens(request: HttpRequest) -> list[str]:
    value = request.get_signed_cookie(
        settings.SIGN_IN_DEVICE_COOKIE_NAME, default="", salt=KNOWN_DEVICE_SALT,
        max_age=timedelta(days=settings.SIGN_IN_KNOWN_DEVICE_DAYS),
    )
    return [token for token in value.split(",") if token]


def is_known_device(request: HttpRequest, username: str) -> bool:
    """Whether ``username`` completed a sign-in in this browser within the last SIGN_IN_KNOWN_DEVICE_DAYS."""
    return _device_token(username) in _known_tokens(request)


def known_device_remember(response: HttpResponse, *, request: HttpRequest, username: str) -> None:
    """Mark this browser as one in which ``username`` signed in with both factors."""
    token = _device_token(username)
    tokens = [token, *(known for known in _known_tokens(request) if known != token)][:KNOWN_DEVICE_EMPLOYEES]
    response.set_signed_cookie(
        settings.SIGN_IN_DEVICE_COOKIE_NAME, ",".join(tokens), salt=KNOWN_DEVICE_SALT,
        max_age=settings.SIGN_IN_KNOWN_DEVICE_DAYS * 24 * 60 * 60, path="/",
        secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
    )
