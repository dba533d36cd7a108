"""Finding clients and bookings by what the reception types: a part of a phone number, a name in any case and
word order, an email, a booking's reference.

Phones and emails are stored encrypted, so they are found through keyed indexes kept on the client card
(``Client.save``): the whole phone (``phone_index``), its last four digits (``phone_tail_index``) and the email
(``email_index``). A few digits narrow the cards to those whose phone ends in the same four; the phones of
those few are then decrypted to compare the rest. Names are compared through ``search_name``, the name as
``search_key`` writes it, because neither SQLite nor PostgreSQL folds Cyrillic case the same way everywhere.
"""

import re

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from .phones import normalise_phone
from .pii import blind_index

# The fewest digits that are searched as a phone: fewer would match a tenth of a large studio's clients.
TAIL_DIGITS = 4
# What people type inside a phone number besides digits: +7 (916) 123-45-67.
PHONE_PUNCTUATION = re.compile(r"[\s()+\-.]")
NOT_A_DIGIT = re.compile(r"\D")
SPACES = re.compile(r"\s+")


def search_key(text: str) -> str:
    """``text`` as names are compared: case folded (Cyrillic too), «ё» read as «е», runs of spaces as one."""
    return SPACES.sub(" ", (text or "").casefold().replace("ё", "е")).strip()


def digits_of(text: str) -> str:
    return NOT_A_DIGIT.sub("", text or "")


def phone_tail_index(phone: str) -> str:
    """The keyed index of the phone's last TAIL_DIGITS digits, or "" for no phone."""
    digits = digits_of(phone)
    return blind_index(f"tail:{digits[-TAIL_DIGITS:]}") if len(digits) >= TAIL_DIGITS else ""


def email_index(email: str) -> str:
    """The keyed index of the email, whatever its case, or "" for none."""
    email = (email or "").strip().casefold()
    return blind_index(f"email:{email}") if email else ""


def searched_digits(text: str) -> str:
    """The digits of ``text`` if it reads as (a part of) a phone number of at least TAIL_DIGITS digits, else ""."""
    compact = PHONE_PUNCTUATION.sub("", text or "")
    return compact if compact.isdigit() and len(compact) >= TAIL_DIGITS else ""


def full_phone_index(text: str) -> str:
    """The blind index of ``text`` if it is a whole phone number in any format, else ""."""
    try:
        return blind_index(normalise_phone(text))
    except ValidationError:
        return ""


def _phone_endings(clients: QuerySet, digits: str) -> list[int]:
    """The ids of ``clients`` whose phone ends in ``digits``: the index finds the few with the same last four,
    and only their phones are decrypted."""
    candidates = clients.filter(phone_tail_index=phone_tail_index(digits)).order_by().values_list("pk", "phone")
    return [pk for pk, phone in candidates if digits_of(phone).endswith(digits)]


def clients_matching(clients: QuerySet, text: str) -> QuerySet:
    """The clients among ``clients`` that ``text`` finds: a whole phone in any format, its last four digits or
    more, an email, or every word of it inside the name (in any order and case)."""
    text = (text or "").strip()
    digits = searched_digits(text)
    if digits:
        index = full_phone_index(text)
        if index:
            return clients.filter(phone_index=index)
        return clients.filter(pk__in=_phone_endings(clients, digits))
    if "@" in text:
        return clients.filter(email_index=email_index(text))
    words = search_key(text).split()
    if not words:
        return clients.none()
    query = Q()
    for word in words:
        query &= Q(search_name__contains=word)
    return clients.filter(query)


CLIENTS_IN_A_BOOKING_SEARCH = 200


def booking_search_query(text: str) -> Q:
    """What a booking search for ``text`` matches: its reference (whole or part, any case), the name, whole
    phone or email written on it, or a client ``clients_matching`` finds."""
    from .models import NAMES_ITS_GUEST, Client  # the models use this module's keys

    text = (text or "").strip()
    if not text:
        return Q(pk__in=[])
    # An anonymised booking's label is nobody's name (and its name index leaves it out).
    query = Q(reference__icontains=text) | (Q(client_name__icontains=text) & NAMES_ITS_GUEST)
    index = full_phone_index(text) if searched_digits(text) else ""
    if index:
        query |= Q(client_phone_index=index)
    if "@" in text:  # the email written on the booking, which may not be its card's
        query |= Q(client_email_index=email_index(text))
    # The card without a phone holds the anonymised bookings: nobody's.
    clients = clients_matching(Client.objects.exclude(phone_index=""), text)
    # The matching cards as a short list of ids, not a subquery: PostgreSQL then ORs the trigram indexes and the
    # client index in one bitmap scan instead of walking the whole history by date (a wider name search still
    # finds every booking that carries the name itself).
    ids = list(clients.order_by().values_list("pk", flat=True)[:CLIENTS_IN_A_BOOKING_SEARCH])
    return query | Q(client_id__in=ids) if ids else query


def bookings_matching(bookings: QuerySet, text: str) -> QuerySet:
    """The bookings among ``bookings`` that a search for ``text`` finds (``booking_search_query``)."""
    return bookings.filter(booking_search_query(text))
