"""Liveness, readiness and metrics endpoints for the load balancer and Prometheus."""

import hmac

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from . import gauges  # noqa: F401  (registers what /metrics reads at each scrape)
from .network import client_ip


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache():
    cache.set("readyz", "ok", 5)
    if cache.get("readyz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _check_channel_layer():
    layer = get_channel_layer()
    async_to_sync(layer.group_send)("readyz", {"type": "readyz.ping"})


def _check_queue():
    if settings.RQ_ENABLED:
        import django_rq

        django_rq.get_connection("default").ping()


CHECKS = {"database": _check_database, "cache": _check_cache, "channel_layer": _check_channel_layer,
          "queue": _check_queue}


@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # a readiness probe reports every failure, whatever it is
            results[name] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)


@never_cache
@require_GET
def metrics(request):
    token = settings.METRICS_TOKEN
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and supplied and hmac.compare_digest(supplied, token):
        return ExportToDjangoView(request)
    # The address the rate limits judge too: behind a proxy, REMOTE_ADDR is the proxy's own.
    if client_ip(request) in settings.METRICS_ALLOWED_IPS:
        return ExportToDjangoView(request)
    return HttpResponseForbidden("Metrics need a token or an allowed address.")
