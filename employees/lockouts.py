"""Limits on guessing passwords.

django-axes locks an account out from one address after a few failures. Guessing from many addresses
is bounded by ``settings.SIGN_IN_FAILURES_PER_USERNAME`` ("count/period", django-ratelimit): the
failed sign-ins of one username from all addresses together, counted in the default cache.
"""

import logging
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_ratelimit.core import get_usage

log = logging.getLogger("studio.security")


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


def _username_failures(request, username: str, *, count: bool):
    def key(group, request):
        return username.lower()

    try:
        return get_usage(
            request, group="sign-in:username", key=key, rate=settings.SIGN_IN_FAILURES_PER_USERNAME, increment=count
        )
    except Exception:  # the cache is unreachable: axes still limits each address
        log.warning("Sign-in limit per username skipped: the cache is unavailable.", exc_info=True)
        return None


def too_many_failures(request, username: str) -> bool:
    """Whether ``username`` has had as many failed sign-ins as the limit allows in the current period."""
    usage = _username_failures(request, username, count=False)
    return bool(usage) and usage["count"] >= usage["limit"]


def count_failure(request, username: str) -> None:
    usage = _username_failures(request, username, count=True)
    if usage and usage["count"] == usage["limit"]:
        log.warning("sign-in limit per username reached username=%s", username)
