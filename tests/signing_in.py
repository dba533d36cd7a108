"""Signing employees in for tests: a full session, second factor included.

``client.force_login`` skips the password; in this project it also skips the TOTP step, the same way
django_otp.login marks a session verified. Tests of the sign-in flow itself post to /login/ instead.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)


def mark_verified(session, user) -> None:
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id


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
