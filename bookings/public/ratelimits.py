"""Rate limits of the public booking page and API, per client address and per phone number.

Counts live in the default cache (Redis when configured, so every process shares them). The rates
are ``settings.PUBLIC_RATE_LIMITS`` ("count/period" as django-ratelimit reads them). When the cache
itself is down the limit is skipped and logged: a guest can still book while Redis restarts.
"""

import logging

from django.conf import settings
from django.utils.translation import gettext
from django_ratelimit.core import get_usage

from studio_crm.network import client_ip

logger = logging.getLogger("studio.ratelimits")


class RateLimited(Exception):
    """Too many requests of one kind; ``retry_after`` is the number of seconds until the window ends."""

    def __init__(self, scope: str, retry_after: int):
        super().__init__(f"Too many requests ({scope}).")
        self.scope = scope
        self.retry_after = max(int(retry_after), 1)

    @property
    def message(self) -> str:
        """What the guest is told, in the language of the request being answered."""
        return gettext("Too many attempts. Please wait a little and try again.")


def check_rate(request, scope: str, value: str | None = None) -> None:
    """Count one request in ``scope`` and raise RateLimited once its rate is exceeded.

    ``value`` is what is counted (for example a phone's blind index); without it the client address.
    """
    rate = settings.PUBLIC_RATE_LIMITS.get(scope)
    if not rate:
        return
    def key(group, request):
        return value if value is not None else client_ip(request) or "unknown"
    try:
        usage = get_usage(request, group=f"public:{scope}", key=key, rate=rate, increment=True)
    except Exception:  # the cache is unreachable: let the guest through rather than fail the page
        logger.warning("Rate limit %s skipped: the cache is unavailable.", scope, exc_info=True)
        return
    if usage and usage["should_limit"]:
        logger.info("Rate limit %s reached from %s", scope, client_ip(request))
        raise RateLimited(scope, usage["time_left"])
