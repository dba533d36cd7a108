"""What the studio's bot does with the updates Telegram posts to the webhook.

A press of Confirm or Decline under a new request acts as the employee whose Telegram account is linked,
with that employee's permissions (bookings.access: a manager only on the halls they work on), and the
chat's message is edited to say who did what. A link code sent in a private chat links the sender's
account. Everyone else is answered politely and nothing changes. Replies go straight to the Bot API with a
short timeout; a reply that fails is logged, never retried (the next press asks again).

Replies are in the reader's language: a linked employee's account language, else the language of the sender's
Telegram app when the studio speaks it, else the studio's. The chat's own message stays in the studio's.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from bookings.access import visible_bookings
from bookings.errors import BookingError, error_text
from bookings.models import BookingState
from bookings.services import booking_transition
from studio_crm.languages import language_of

from . import services, telegram
from .errors import ProviderError, RetryLater, Undeliverable

log = logging.getLogger("studio.notifications")
security_log = logging.getLogger("studio.security")

ACTIONS = {"confirm": BookingState.CONFIRMED, "decline": BookingState.CANCELLED}
REPLY_TIMEOUT_SECONDS = 3.0


def handle_update(update: dict) -> None:
    if isinstance(update.get("callback_query"), dict):
        _button_pressed(update["callback_query"])
    elif isinstance(update.get("message"), dict):
        _message_received(update["message"])


def _reply(method: str, payload: dict) -> None:
    try:
        telegram.call(method, payload, timeout=REPLY_TIMEOUT_SECONDS)
    except (OSError, RetryLater, Undeliverable, ProviderError) as error:
        log.warning("telegram %s failed: %s", method, error)


def _answer(query: dict, text: str, *, alert: bool = False) -> None:
    _reply("answerCallbackQuery", {"callback_query_id": str(query.get("id", "")), "text": text[:200],
                                   "show_alert": alert})


def parse_button(data: str) -> tuple[str, int, int] | None:
    """("confirm" or "decline", booking id, version) from a button's callback data, or None."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] not in ACTIONS or not (parts[1].isdigit() and parts[2].isdigit()):
        return None
    return parts[0], int(parts[1]), int(parts[2])


def reader_language(sender: dict, employee=None) -> str:
    """The language to answer ``sender`` (Telegram's user object) in; ``employee`` is the one linked to them."""
    if employee is not None:
        return language_of(employee)
    code = str(sender.get("language_code") or "").split("-")[0].lower()
    return code if code in dict(settings.LANGUAGES) else settings.STUDIO_LANGUAGE


def _refused(query: dict, telegram_user_id, what: str, text: str) -> None:
    security_log.warning("denied telegram_user=%s path=telegram-webhook what=%s", telegram_user_id, what)
    _answer(query, text, alert=True)


def _button_pressed(query: dict) -> None:
    sender = query.get("from") or {}
    sender_id = sender.get("id")
    employee = services.telegram_employee(sender_id) if isinstance(sender_id, int) else None
    with translation.override(reader_language(sender, employee)):
        _answer_press(query, sender_id, employee)


def _answer_press(query: dict, sender_id, employee) -> None:
    if employee is None:
        _refused(query, sender_id, "unlinked account", _(
            "Your Telegram account is not linked to the studio. Link it on your account page in the studio's "
            "system, then press again."))
        return
    parsed = parse_button(str(query.get("data", "")))
    if parsed is None:
        _refused(query, sender_id, "unknown button", _("This button is not one of the studio's."))
        return
    action, pk, version = parsed
    booking = visible_bookings(employee).filter(pk=pk).first()
    if booking is None:
        _refused(query, sender_id, f"booking {pk} (employee {employee.username})", _(
            "This booking is for a hall you do not work on, so it is left as it is. A colleague of that hall "
            "can answer it."))
        return
    reason = services.telegram_decline_reason() if action == "decline" else ""
    try:
        booking = booking_transition(booking=booking, to=ACTIONS[action], by=employee, reason=reason, version=version)
    except (BookingError, ValidationError) as error:
        _answer(query, error_text(error), alert=True)
        return
    log.info("telegram %s booking=%s by=%s", action, booking.reference, employee.username)
    done = (_("Done: %(reference)s is confirmed.") if action == "confirm"
            else _("Done: %(reference)s is declined and the time is free again."))
    _answer(query, done % {"reference": booking.reference})
    message = query.get("message") or {}
    if message.get("message_id") and (message.get("chat") or {}).get("id") is not None:
        _reply("editMessageText", {
            "chat_id": message["chat"]["id"], "message_id": message["message_id"],
            "text": f"{message.get('text', '')}\n\n{telegram.outcome_line(action=action, employee=employee)}",
        })


def _message_received(message: dict) -> None:
    """A link code (``/start CODE`` from the bot's link, or the code alone) in a private chat."""
    chat, sender = message.get("chat") or {}, message.get("from") or {}
    if chat.get("type") != "private" or not isinstance(sender.get("id"), int):
        return
    with translation.override(reader_language(sender)):
        reply = _link_reply(sender, str(message.get("text", "")).strip())
    _reply("sendMessage", {"chat_id": chat["id"], "text": reply})


def _link_reply(sender: dict, text: str) -> str:
    code = text.removeprefix("/start").strip()
    if not code:
        reply = _("Hello! To get the studio's requests here, open your account page in the studio's system, "
                  "take a link code and send it to me.")
    else:
        name = sender.get("username") or " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")]))
        employee = services.telegram_link(code=code, telegram_user_id=sender["id"], telegram_name=name)
        if employee is None:
            security_log.warning("denied telegram_user=%s path=telegram-webhook what=link code", sender["id"])
            reply = _("That code does not work: it may be mistyped, used or expired. Take a new one on your "
                      "account page.")
        else:
            with translation.override(language_of(employee)):
                reply = _("Linked: your presses of Confirm and Decline now act as %(name)s.") % {"name": employee}
    return reply
