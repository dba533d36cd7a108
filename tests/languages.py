"""Reading the studio in Russian, and catching English that leaks through.

``english_leaks(html)`` is the visible text of a page (its text and the attributes a person reads or hears:
title, placeholder, aria-label, alt, a button's value) as Latin-letter words, less the words that are the same in
both languages (the studio's own name, CSV, Telegram, references and the test's own data passed as ``allowed``).
"""

import re
from html.parser import HTMLParser

from django.conf import settings

# What no reader is meant to read as prose: scripts, styles, and code, commands and keys shown as they are typed.
MACHINE_TEXT = {"script", "style", "template", "code", "pre", "kbd", "samp"}
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "data-confirm"}
# Names and abbreviations that a Russian page writes in Latin letters too.
SAME_IN_BOTH = {
    "CSV", "JSON", "ZIP", "API", "OpenAPI", "URL", "HTTP", "HTTPS", "ID", "PDF", "XLSX", "Excel", "QR", "TOTP",
    "Telegram", "Google", "Authenticator", "Email", "email", "E-mail", "Wi-Fi", "Studio", "CRM", "REF", "UTC",
    "GDPR", "FZ", "IP", "MSK", "Django", "RQ", "Redis", "htmx", "SMS", "OTP", "Cc", "ru", "en", "English",
    "Apple", "Outlook", "JavaScript", "iCal", "iCalendar", "Android", "iPhone", "PostgreSQL", "SQLite",
}
# Words of two letters or more: a lone letter is an initial or a logo, not a text in English.
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
# Values a page shows that are data, not language: references, codes, e-mail addresses, addresses and times.
DATA = re.compile(r"REF-[\w-]+|[\w.+-]+@[\w.-]+|https?://\S+|\b(?=[A-Z0-9]*\d)[A-Z0-9]{4,}\b|\b[0-9A-F]{2,}(?::[0-9A-F]+)+\b"
                  r"|\b(?:Europe|Asia|America|Africa|Australia|Pacific|Atlantic)/[A-Za-z_]+\b")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in MACHINE_TEXT:
            self._hidden += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in MACHINE_TEXT and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def english_leaks(html: str, allowed=()) -> list[str]:
    """The Latin-letter words a reader of the Russian page would see, except names and data."""
    text = DATA.sub(" ", visible_text(html))
    for name in [settings.STUDIO_NAME, *allowed]:
        text = text.replace(name, " ")
    same = SAME_IN_BOTH | {word for name in allowed for word in WORD.findall(name)}
    return sorted({word for word in WORD.findall(text) if word not in same})


def in_russian(employee):
    """Switch ``employee``'s account to Russian (their pages follow it)."""
    employee.language = "ru"
    employee.save(update_fields=["language"])
    return employee


RUSSIAN_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9,en;q=0.5"}
