"""Two-factor sign-in: an authenticator app (TOTP) and single-use backup codes (django-otp)."""

from base64 import b32encode

import segno
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
# Names of the devices as stored (the Django admin lists them); the pages name them in the reader's language.
AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
# A fixed key for the demo studio only: anyone reading this file can compute its codes.
DEMO_TOTP_KEY = b"studio-crm-demo-only".hex()


def confirmed_authenticator(employee) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=employee, confirmed=True).order_by("-pk").first()


def authenticator_subquery():
    """For ``.annotate(mfa_on=...)`` on employees: has a confirmed authenticator."""
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


def pending_authenticator(employee) -> TOTPDevice:
    """The authenticator being set up (unconfirmed); created on first use so the QR code stays the same."""
    device = TOTPDevice.objects.filter(user=employee, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=employee, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def pending_authenticator_discard(employee) -> None:
    """Drop an authenticator that was being set up but not confirmed."""
    TOTPDevice.objects.filter(user=employee, confirmed=False).delete()


def pending_authenticator_restart(employee) -> TOTPDevice:
    """Start setting up a new authenticator with a fresh key; the confirmed one keeps working meanwhile."""
    with transaction.atomic():
        pending_authenticator_discard(employee)
        return pending_authenticator(employee)


def has_pending_authenticator(employee) -> bool:
    return TOTPDevice.objects.filter(user=employee, confirmed=False).exists()


def secret_base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode()


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code."""
    return segno.make(device.config_url, micro=False).svg_inline(scale=5, border=2, dark="#1d2330", light="#ffffff")


def backup_codes_left(employee) -> int:
    return StaticToken.objects.filter(device__user=employee, device__confirmed=True).count()


def is_backup_code(device) -> bool:
    """Whether the device that accepted a code is the employee's backup codes (not the authenticator)."""
    return isinstance(device, StaticDevice)


def new_backup_codes(employee) -> list[str]:
    """Replace the employee's backup codes with a fresh set and return them (to show once)."""
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=employee).delete()
        device = StaticDevice.objects.create(user=employee, name=BACKUP_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def authenticator_confirm(*, employee, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm a pending authenticator with its first code. On success it replaces any earlier
    authenticator and the backup codes are renewed; returns the new backup codes, or None if the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=employee, confirmed=False)
        if not device.verify_token(code.strip().replace(" ", "")):
            return None
        TOTPDevice.objects.filter(user=employee).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_backup_codes(employee)


def verify_code(employee, code: str):
    """The confirmed device (authenticator or backup codes) that accepts ``code``, or None.

    A TOTP code is accepted once only (django-otp keeps the last used time step); a backup code is
    deleted when used. Devices throttle repeated failures.
    """
    code = (code or "").strip().replace(" ", "").lower()
    if not code:
        return None
    with transaction.atomic():
        # Authenticator codes are six digits; backup codes are eight letters and digits.
        if code.isdigit() and len(code) == 6:
            devices = TOTPDevice.objects.filter(user=employee, confirmed=True).select_for_update()
        else:
            devices = StaticDevice.objects.filter(user=employee, confirmed=True).select_for_update()
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def mfa_devices_delete(employee) -> None:
    """Remove the authenticator and the backup codes together, or neither."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=employee).delete()
        StaticDevice.objects.filter(user=employee).delete()


def has_confirmed_device(employee) -> bool:
    return (
        TOTPDevice.objects.filter(user=employee, confirmed=True).exists()
        or StaticDevice.objects.filter(user=employee, confirmed=True, token_set__isnull=False).exists()
    )


def mfa_enroll_demo(employee) -> str:
    """Give ``employee`` a confirmed authenticator with the fixed demo key; return the key in base32.

    For the demo studio only (seed_demo prints the key so a person can add it to an authenticator app).
    """
    TOTPDevice.objects.filter(user=employee).delete()
    device = TOTPDevice.objects.create(user=employee, name="Demo authenticator", key=DEMO_TOTP_KEY, confirmed=True)
    return secret_base32(device)
