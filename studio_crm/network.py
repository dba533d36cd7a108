"""Where a request comes from, behind as many reverse proxies as the deployment says it has."""

from ipaddress import ip_address

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address. With ``TRUSTED_PROXY_COUNT`` = N > 0, the address the outermost of the N
    trusted proxies saw (N-th from the right in X-Forwarded-For); entries further left are the client's
    own claims and are ignored. With 0 (no proxy), REMOTE_ADDR."""
    if request is None:
        return None
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count and is_address(forwarded[-count]):
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


def is_address(text: str) -> bool:
    """An IPv4 or IPv6 address as a proxy writes it (no port, no brackets); anything else is not believed."""
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
