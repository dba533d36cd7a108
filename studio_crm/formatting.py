"""Money and dates as the reader's language writes them: one place for every page, email, message and export.

``money(12500)`` is ``12 500 ₽`` in Russian and ``₽12,500`` in English (kopecks only when there are some);
``when(moment, "day")`` is ``вт, 1 декабря`` or ``Tue 1 Dec``, on the studio's clock.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import dateformat, numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext

NARROW_SPACE = "\u202f"
SYMBOLS = {"RUB": "₽", "EUR": "€", "USD": "$", "GBP": "£", "KZT": "₸", "BYN": "Br", "AMD": "֏", "GEL": "₾"}

# A style per kind of moment; the formats are django.utils.dateformat's. The names of Django's own formats
# (DATE_FORMAT, TIME_FORMAT, ...) are read from studio_crm/formats/, so the admin agrees with the pages.
STYLES = {
    "ru": {
        "day": "D, j E",  # вт, 1 декабря
        "day_long": "l, j E Y",  # вторник, 1 декабря 2026
        "short": "j b",  # 1 дек
        "short_datetime": "j b, H:i",  # 1 дек, 14:00
        "weekday": "D",
        "month": "F Y",  # Декабрь 2026
    },
    "en": {
        "day": "D j M",  # Tue 1 Dec
        "day_long": "l j F Y",  # Tuesday 1 December 2026
        "short": "j M",
        "short_datetime": "j M, H:i",
        "weekday": "D",
        "month": "F Y",
    },
}
WEEKDAY_FIRST = {"D", "l"}
DJANGO_STYLES = {"date": "DATE_FORMAT", "datetime": "DATETIME_FORMAT", "time": "TIME_FORMAT",
                 "numeric": "SHORT_DATE_FORMAT", "numeric_datetime": "SHORT_DATETIME_FORMAT"}


def language() -> str:
    """The active language's catalogue code (``ru`` or ``en``), the studio's when none is active."""
    code = (get_language() or settings.STUDIO_LANGUAGE).split("-")[0]
    return code if code in STYLES else settings.STUDIO_LANGUAGE


def amount_text(value, places: int | None = None) -> str:
    """``1234.5`` → ``1 234,50`` (ru) or ``1,234.50`` (en); whole amounts without decimals unless ``places``."""
    amount = _decimal(value)
    if amount is None:
        return ""
    if places is None:
        places = 0 if amount == amount.to_integral_value() else 2
    separator = get_format("THOUSAND_SEPARATOR")
    return numberformat.format(amount, get_format("DECIMAL_SEPARATOR"), decimal_pos=places, grouping=3,
                               thousand_sep=NARROW_SPACE if separator.isspace() else separator, force_grouping=True)


def percent(value, digits: int = 0) -> str:
    """``0.456`` → ``46%``, ``0.045`` with one digit → ``4.5%`` / ``4,5%``; an empty figure (nothing to divide
    by) → ``—``."""
    if value is None:
        return "—"
    number = f"{float(value) * 100:.{int(digits)}f}".replace(".", get_format("DECIMAL_SEPARATOR"))
    return gettext("%(number)s%%") % {"number": number}


def money(value, currency: str | None = None) -> str:
    """An amount with the currency's sign where the language puts it: ``1 234,50 ₽`` / ``₽1,234.50``."""
    text = amount_text(value)
    if not text:
        return ""
    code = currency or settings.STUDIO_CURRENCY
    symbol = SYMBOLS.get(code, code)
    negative = text.startswith("-")
    text = text.lstrip("-")
    if language() == "ru":
        shown = f"{text}{NARROW_SPACE}{symbol}"
    else:
        shown = f"{symbol}{text}" if len(symbol) == 1 else f"{symbol}{NARROW_SPACE}{text}"
    return f"−{shown}" if negative else shown


def when(value, style: str = "datetime") -> str:
    """A date or a moment in ``style`` (see STYLES and DJANGO_STYLES), aware moments on the studio's clock."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    elif not isinstance(value, date):
        return ""
    pattern = get_format(DJANGO_STYLES[style]) if style in DJANGO_STYLES else STYLES[language()][style]
    text = dateformat.format(value, pattern)
    if pattern[:1] in WEEKDAY_FIRST and language() == "ru":
        # Russian writes weekdays in lower case mid-sentence («во вторник, 1 декабря»); Django's names are capitalised.
        text = text[:1].lower() + text[1:]
    return text


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
