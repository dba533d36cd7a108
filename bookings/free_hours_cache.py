"""A hall's free hours of a day, kept in the cache until something that decides them changes.

What decides them: the hall's bookings, blocks and rates and the hall itself (its cleanup time, its rate, its
name), which make the hall's version; and the studio's opening hours and special days, which make the studio's
version. Every save or delete of such a row gives its version a new random token (``connect_receivers``), and
a kept answer is used only while both tokens it was computed under are still the current ones. Tokens are
random, so a token lost from the cache (evicted, Redis restarted) can never come back and make an old answer
current again.

A change gives its version a new token twice: at once, so the rest of its own transaction reads the change, and
once it commits, so that an answer another process computed in between, from the database as it was before the
commit, is not used either. An answer is computed only after the tokens it is kept under were read, so it is
never kept under a token newer than the rows it read.

An answer is kept at most KEEP_SECONDS and never beyond the hour of the studio's clock it was computed in (an hour
that has begun is no longer free). A change no receiver sees, an ``update()`` of a booking's time or state or raw
SQL, shows for at most that long; the project makes none (retention's ``update()`` rewrites only a guest's
details). A kept answer never lets a guest book a taken hour: a booking is checked again under the hall's lock. If
the cache fails, the answer is computed as if nothing had been kept.
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
ANSWER_SHAPE = "v1"  # a new shape of the API's answer takes a new name, so a release never reads the last one's
HOUR_SECONDS = 3600
# The hall each slug was last found as in this process: a guess that saves a round trip, checked by the answer.
_hall_ids: dict[str, int] = {}


def hall_key(space_id: int) -> str:
    return f"free-hours:hall:{space_id}"


def kept(slug: str, day: date, now: datetime, *, find_hall: Callable[[], Space],
         answer: Callable[[Space], dict]) -> dict:
    """The answer about the hall ``slug`` on ``day`` at ``now``: kept from an earlier call in the same hour of
    the studio's clock while neither that hall nor the studio has changed since, else ``answer(find_hall())``.

    ``find_hall`` may raise (no such hall); a kept answer stands for a hall that was found, so a hit reads no
    database at all. An answer is kept only under tokens read before any row it was computed from, the hall's
    own row included: so only for the hall this process found under ``slug`` before (``_hall_ids``).
    """
    local = timezone.localtime(now)
    answer_key = _answer_key(slug, day, local)
    guess = _hall_ids.get(slug)
    try:
        found = cache.get_many([answer_key, STUDIO_KEY, *([hall_key(guess)] if guess else [])])
        studio = found.get(STUDIO_KEY) or _first_token(STUDIO_KEY)
        if (body := _current(found.get(answer_key), studio, found, guess)) is not None:
            return body
        guessed = (found.get(hall_key(guess)) or _first_token(hall_key(guess))) if guess else None
    except Exception:  # the cache is unreachable: answer from the database
        logger.warning("Free hours computed without the cache: it is unavailable.", exc_info=True)
        return answer(find_hall())
    hall = find_hall()
    _hall_ids[slug] = hall.pk
    body = answer(hall)
    past_the_hour = local.minute * 60 + local.second
    # On the hour to the microsecond the hour just begun still counts as free: that answer is not kept.
    if hall.pk == guess and None not in (studio, guessed) and (past_the_hour or local.microsecond):
        try:
            cache.set(answer_key, (hall.pk, (studio, guessed), body), min(KEEP_SECONDS, HOUR_SECONDS - past_the_hour))
        except Exception:
            logger.warning("A free-hours answer could not be kept: the cache is unavailable.", exc_info=True)
    return body


def _answer_key(slug: str, day: date, local: datetime) -> str:
    """The hour it is on the studio's clock (its date with it: an answer kept on a day proves the date could be
    booked that day) and the rules that shape an answer are part of its name: processes with other settings, or
    of another release, keep their own."""
    hour = local.replace(minute=0, second=0, microsecond=0).isoformat()
    rules = (f"{settings.TIME_ZONE}:{settings.BOOKING_MAX_HOURS}:{settings.BOOKING_HORIZON_DAYS}:"
             f"{settings.STUDIO_OPENS_AT}:{settings.STUDIO_CLOSES_AT}")
    return f"free-hours:{ANSWER_SHAPE}:{slug}:{day.isoformat()}:{hour}:{rules}"


def _current(kept_answer, studio: str | None, found: dict, guess: int | None) -> dict | None:
    """The kept answer's body if both tokens it was kept under are still the current ones."""
    if kept_answer is None or studio is None:
        return None
    space_id, versions, body = kept_answer
    hall = found.get(hall_key(space_id)) if space_id == guess else cache.get(hall_key(space_id))
    return body if versions == (studio, hall) else None


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
    """A booking, block or rate was saved or deleted: its hall, and the hall it was in before if it moved."""
    for space_id in {instance.space_id, getattr(instance, "loaded_space_id", None)} - {None}:
        _renew(hall_key(space_id))
    instance.loaded_space_id = instance.space_id  # the hall a later move of the same object moves it from


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
