"""The privacy policy in force and the consents given under each version. The guest pages read the version in
force from here (``bookings.public``), so nothing here touches the outbox."""

from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min
from django.utils import timezone

from bookings.models import Booking, BookingState

from .models import PolicyVersion

CURRENT_VERSION_KEY = "compliance:policy-version"
# A version published to start later comes into force within this many seconds of its time.
CURRENT_VERSION_SECONDS = 60


def policy_current() -> PolicyVersion | None:
    """The newest version published by now, or None before any is recorded."""
    return PolicyVersion.objects.filter(published_at__lte=timezone.now()).order_by("-published_at", "-pk").first()


def policy_version_current() -> str:
    """The version a guest consents to now (``CONSENT_POLICY_VERSION`` until the register holds one).

    Kept in the cache for a minute, so the booking page costs no query for it; publishing a version clears it.
    Without the cache (Redis restarting) it is read from the database: a booking never waits for Redis.
    """
    try:
        cached = cache.get(CURRENT_VERSION_KEY)
    except Exception:  # the cache is unreachable: read it from the database
        cached = None
    if cached:
        return cached
    current = policy_current()
    version = current.version if current is not None else settings.CONSENT_POLICY_VERSION
    with suppress(Exception):
        cache.set(CURRENT_VERSION_KEY, version, CURRENT_VERSION_SECONDS)
    return version


def policy_version_forget() -> None:
    """After a new version is published: the next booking reads the version in force again."""
    with suppress(Exception):
        cache.delete(CURRENT_VERSION_KEY)


def consent_counts() -> list[dict]:
    """Per version, newest first: the bookings consented under it, the first and last consent, and whether it
    is in force. Versions that bookings name but the register lacks come last."""
    current = policy_version_current()
    counted = {row["consent_policy_version"]: row for row in (
        Booking.objects.exclude(consent_policy_version="").values("consent_policy_version")
        .annotate(bookings=Count("pk"), first=Min("consent_at"), last=Max("consent_at")))}
    policies = list(PolicyVersion.objects.order_by("-published_at", "-pk"))
    versions = [(policy.version, policy) for policy in policies]
    versions += [(version, None) for version in sorted(counted.keys() - {p.version for p in policies}, reverse=True)]
    empty = {"bookings": 0, "first": None, "last": None}
    return [{"version": version, "policy": policy, "current": version == current, **{
        key: counted.get(version, empty)[key] for key in empty}} for version, policy in versions]


def bookings_under_old_policies(*, limit: int = 50):
    """Bookings still to come that were consented under a version no longer in force."""
    return (Booking.objects.exclude(consent_policy_version__in=["", policy_version_current()])
            .filter(end__gt=timezone.now(), state__in=[BookingState.PENDING, BookingState.CONFIRMED])
            .select_related("space").order_by("start")[:limit])
