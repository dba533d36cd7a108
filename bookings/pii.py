"""Personal data at rest: encrypted fields and the keyed blind index used to find them.

Values are encrypted with a MultiFernet over ``settings.PII_KEYS`` (newest first): the newest key
encrypts, every listed key decrypts. ``rotate_pii_key`` re-encrypts stored values under the newest
key so that older keys can then be retired. Exact-match look-ups (a guest's phone) go through an
HMAC of the normalised value under ``settings.PII_INDEX_KEY``, which does not change on rotation.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PII_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise InvalidToken("Stored personal data cannot be decrypted with any key in PII_KEYS.") from error


def blind_index(value: str) -> str:
    return hmac.new(settings.PII_INDEX_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plain value.

    Only exact look-ups through a blind index are possible: the token differs on every write.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


# What the audit trail stores instead of a phone or an email (pages show it translated).
HIDDEN = "[hidden]"


def audit_mask(value: str) -> str:
    """What the audit trail keeps of a phone or email: only whether there was one, never a readable part."""
    return HIDDEN if value and value != "None" else value
