"""Signing employees in for tests: a full session, second factor included.

``signed_in_client`` (the ``staff_client`` fixture) and ``signed_in_session`` skip the password and the
TOTP step, marking the session verified the same way django_otp.login does; a bare ``client.force_login``
leaves the second factor unverified. Tests of the sign-in flow itself post to /login/ instead.
"""

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def totp_code(device, at: float | None = None) -> str:
    """The code an authenticator app shows for ``device`` at ``at`` (now by default)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"


def mark_verified(session, user) -> None:
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id


def signed_in_client(user) -> Client:
    """A test client in which ``user`` is signed in, second factor verified, as after a real sign-in."""
    client = Client()
    client.force_login(user)
    session = client.session
    mark_verified(session, user)
    session.save()
    return client


def signed_in_session(user, *, verified: bool = True) -> str:
    """The key of a new session in which ``user`` is signed in (and verified, unless told otherwise),
    for clients that carry a cookie rather than use the test client: browsers and websockets."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified:
        mark_verified(session, user)
    session.create()
    return session.session_key


def session_cookie(user, *, verified: bool = True) -> str:
    """A Cookie header value carrying ``signed_in_session``."""
    from django.conf import settings

    return f"{settings.SESSION_COOKIE_NAME}={signed_in_session(user, verified=verified)}"
