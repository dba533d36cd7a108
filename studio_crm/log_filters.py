"""Log records never carry a guest's phone: server access lines and warnings print the address of a request,
and a guest's booking view may take the phone in its query string (``?phone=``)."""

import logging
import re

PHONE_IN_ADDRESS = re.compile(r"(?i)\b(phone=)[^&\s\"']*")


def without_phones(text: str) -> str:
    return PHONE_IN_ADDRESS.sub(r"\1[hidden]", text)


class HidePhones(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = without_phones(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True
