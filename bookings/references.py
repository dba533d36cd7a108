import secrets

from django.utils import timezone

# No 0/O, 1/I/L: a guest reads the reference out over the phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_reference(start) -> str:
    """``REF-YYYYMMDD-XXXX``: the booking's local date and four characters no one can guess."""
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(4))
    return f"REF-{timezone.localtime(start):%Y%m%d}-{suffix}"
