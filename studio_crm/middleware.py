"""A request that cannot get a database connection is told to come back, not shown a 500."""

import logging
from functools import cache

from django.db import OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.log import log_response
from django.utils.translation import gettext
from psycopg_pool import PoolTimeout

from .errors import request_language, service_unavailable

logger = logging.getLogger("studio.database")

# A burst that the pool could not absorb within its timeout is usually over a few seconds later.
RETRY_AFTER_SECONDS = 5
API_PREFIX = "/api/v1/"
# What the platform probes must answer without the database: liveness, and the metrics that show the burst.
WITHOUT_DATABASE = ("healthz", "metrics")


@cache
def paths_without_database() -> frozenset[str]:
    """Resolved once: this runs before every request."""
    return frozenset(reverse(name) for name in WITHOUT_DATABASE)


def is_pool_timeout(error: BaseException) -> bool:
    """The pool had no connection to give within its timeout (Django wraps the pool's error in its own)."""
    return isinstance(error, PoolTimeout) or isinstance(error.__cause__, PoolTimeout)


def database_busy_response(request) -> HttpResponse:
    """503 with Retry-After: the API's error shape under /api/v1/, the error page elsewhere."""
    if not request.path_info.startswith(API_PREFIX):
        return service_unavailable(request, retry_after=RETRY_AFTER_SECONDS)
    with translation.override(request_language(request)):
        message = gettext("The studio is very busy right now. Please try again in a few seconds.")
    response = JsonResponse({"error": {"code": "unavailable", "message": message,
                                       "retryAfter": RETRY_AFTER_SECONDS}}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseConnectionMiddleware:
    """Takes the request's database connection before anything else needs it.

    With the connection pool (PostgreSQL), the connection is held until the response is finished, so a
    request that gets one here never waits for the pool again; one that finds the pool empty for the
    whole DATABASE_POOL_TIMEOUT is answered 503 before any work is done. Sits before the session and
    authentication middleware, which read the database.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in paths_without_database():
            try:
                connection.ensure_connection()
            except (OperationalError, PoolTimeout) as error:
                # A full pool is a burst (a warning); a server that refuses the connection (it is full, or
                # restarting) is an outage (an error). Either way the request is told to come back.
                response = database_busy_response(request)
                busy = is_pool_timeout(error)
                # One line per refused request; marking it logged keeps Django from adding another.
                log_response("No database connection %s for %s %s: %s", "free in time" if busy else "to be had",
                             request.method, request.path, error, response=response, request=request, logger=logger,
                             level="warning" if busy else "error")
                return response
        return self.get_response(request)
