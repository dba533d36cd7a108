"""A hall's free hours of a day, kept in the cache until something that decides them changes.

What decides them: the hall's bookings, blocks and rates and the hall itself (its cleanup time, its rate, its
name), which make the hall's version; and the studio's opening hours and special days, which make the studio's
version. Every save or delete of such a row gives its version a new random token (``connect_receivers``), and
a kept answer is used only while both tokens it was computed under are still the current ones. Tokens are
random, so a token lost from the cache (evicted, Redis restarted) can never come back and make an old answer
current again.

A change gives its version a new token twice: at once, so the rest of its own transaction reads the change, and
once it commits, so that an answer another process computed in between, from the database as it was before the
commit, is not used either. Answers are read only after the tokens they are kept under, so an answer is never
kept under a token newer than what it read.

An answer is kept at most KEEP_SECONDS and never beyond the hour it was computed in (an hour that has begun is
no longer free). A change no receiver sees, an ``update()`` of a booking's time or state or raw SQL, shows for at
most that long; the project makes none (retention's ``update()`` rewrites only a guest's details). A kept answer
never lets a guest book a taken hour: a booking is checked again under the hall's lock. If the cache fails, the
answer is computed as if nothing had been kept.
"""

import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .hours import OpeningHours, SpecialDay
from .models import Booking, CalendarBlock, Space, SpaceRate

logger = logging.getLogger("studio.free_hours")

KEEP_SECONDS = 60
TOKEN_SECONDS = 24 * 3600  # a hall's token outlives every answer kept under it
STUDIO_KEY = "free-hours:studio"
HOUR_SECONDS = 3600
# The hall each slug was last found as in this process: a guess that saves a round trip, checked by the answer.
_hall_ids: dict[str, int] = {}


def hall_key(space_id: int) -> str:
    return f"free-hours:hall:{space_id}"


def kept(slug: str, day: date, now: datetime, *, find_hall: Callable[[], Space],
         answer: Callable[[Space], dict]) -> dict:
    """The answer about the hall ``slug`` on ``day`` at ``now``: kept from an earlier call in the same hour of
    the same day while neither that hall nor the studio has changed since, else ``answer(find_hall())``.

    ``find_hall`` may raise (no such hall); a kept answer stands for a hall that was found, so a hit reads no
    database at all.
    """
    moment = now.timestamp()
    # The day it is and the rules that shape an answer are part of its name: an answer kept on one day
    # proves the date was bookable that day, and processes with other settings keep their own.
    answer_key = (f"free-hours:answer:{slug}:{day.isoformat()}:{int(moment // HOUR_SECONDS)}:"
                  f"{timezone.localdate(now).isoformat()}:{settings.BOOKING_MAX_HOURS}:{settings.BOOKING_HORIZON_DAYS}")
    guess = _hall_ids.get(slug)
    try:  # one round trip when the hall is the one this process found under that slug before
        found = cache.get_many([answer_key, STUDIO_KEY, *([hall_key(guess)] if guess else [])])
        studio = found.get(STUDIO_KEY) or _first_token(STUDIO_KEY)
        if (kept_answer := found.get(answer_key)) is not None:
            space_id, versions, body = kept_answer
            hall = found.get(hall_key(space_id)) if space_id == guess else cache.get(hall_key(space_id))
            if versions == (studio, hall):
                return body
    except Exception:  # the cache is unreachable: answer from the database
        logger.warning("Free hours computed without the cache: it is unavailable.", exc_info=True)
        return answer(find_hall())
    hall = find_hall()
    _hall_ids[slug] = hall.pk
    try:  # the hall's token is read before its bookings are
        versions = (studio, cache.get(hall_key(hall.pk)) or _first_token(hall_key(hall.pk)))
    except Exception:
        logger.warning("Free hours computed without the cache: it is unavailable.", exc_info=True)
        return answer(hall)
    body = answer(hall)
    # On the hour to the microsecond the hour just begun still counts as free: that answer is not kept.
    if None not in versions and moment % HOUR_SECONDS:
        try:
            cache.set(answer_key, (hall.pk, versions, body),
                      min(KEEP_SECONDS, HOUR_SECONDS - int(moment % HOUR_SECONDS)))
        except Exception:
            logger.warning("A free-hours answer could not be kept: the cache is unavailable.", exc_info=True)
    return body


def _first_token(key: str) -> str | None:
    """A token for a version that has none yet, or None if another process gave it one meanwhile (its
    answer is then not kept: which token came first is unknown)."""
    token = secrets.token_hex(8)
    return token if cache.add(key, token, TOKEN_SECONDS) else None


def _renew(key: str) -> None:
    _new_token(key)
    transaction.on_commit(lambda: _new_token(key))


def _new_token(key: str) -> None:
    try:
        cache.set(key, secrets.token_hex(8), TOKEN_SECONDS)
    except Exception:  # a kept answer then lasts until it expires (KEEP_SECONDS)
        logger.warning("A hall's free hours could not be marked changed: the cache is unavailable.", exc_info=True)


def hall_row_changed(sender, instance, **kwargs) -> None:
    """A booking, block or rate was saved or deleted: its hall, and the hall it was read with if it moved."""
    for space_id in {instance.space_id, getattr(instance, "loaded_space_id", None)} - {None}:
        _renew(hall_key(space_id))


def hall_changed(sender, instance, **kwargs) -> None:
    _renew(hall_key(instance.pk))


def studio_hours_changed(sender, **kwargs) -> None:
    _renew(STUDIO_KEY)


RECEIVERS = [
    *((model, hall_row_changed) for model in (Booking, CalendarBlock, SpaceRate)),
    (Space, hall_changed),
    *((model, studio_hours_changed) for model in (OpeningHours, SpecialDay)),
]


def connect_receivers() -> None:
    """Give a version its new token on every save and delete of what decides it (an AppConfig.ready)."""
    for model, receiver in RECEIVERS:
        for event, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(receiver, sender=model, dispatch_uid=f"free_hours.{model.__name__}.{event}")
