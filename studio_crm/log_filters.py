"""Log records never carry a guest's phone or email: server access lines and warnings print the address of a
request, and a guest's booking view may take the phone in its query string (``?phone=``); an error's text may
quote a value it refused. Addresses keep their parameter names (``phone=[hidden]``), other text loses the
number or address itself."""

import logging
import re

HIDDEN = "[hidden]"
# Query parameters that carry a guest's details: the booking page's live price sends the whole form, and
# staff search clients by name or phone (q).
PERSONAL_IN_ADDRESS = re.compile(r"(?i)(?<![\w-])((?:client_?)?(?:phone|email|name)=|q=)[^&\s\"']*")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A number in international form, as phones are stored (+79161234567) or typed (+7 916 123-45-67).
PHONE = re.compile(r"\+\d(?:[\s().-]{0,2}\d){9,14}")


def without_personal_data(text: str) -> str:
    text = PERSONAL_IN_ADDRESS.sub(rf"\1{HIDDEN}", text)
    return PHONE.sub(HIDDEN, EMAIL.sub(HIDDEN, text))


class HidePhones(logging.Filter):
    """Phones and emails out of a record's message (the formatters of studio_crm/request_log.py also
    clean what they add: the event's fields, a traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = without_personal_data(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True
