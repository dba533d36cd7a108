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
