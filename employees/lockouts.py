"""Which employees django-axes has locked out (too many failed sign-ins from one address)."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone


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
