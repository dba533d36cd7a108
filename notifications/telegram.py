"""The Telegram Bot API as the studio uses it: one call, Telegram's limits per chat, and the staff messages.

Telegram allows a bot about one message a second in a chat and twenty a minute in a group (negative chat
ids). The sender takes the chat's next place from the cache before each message (Redis with ``REDIS_URL``,
so every worker shares it); a 429 answer's ``retry_after`` holds the whole chat.
"""

import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from studio_crm.formatting import money, when

from .errors import ProviderError, RetryLater, Undeliverable
from .languages import booking_when, language_for
from .models import Kind, Notification

log = logging.getLogger("studio.notifications")

PRIVATE_GAP_SECONDS = 1
GROUP_GAP_SECONDS = 3
# A wait for a chat's next place up to this is slept (the gaps above); a longer one (a 429's hold) sends
# the row back to the queue.
MAX_SLEEP_SECONDS = GROUP_GAP_SECONDS + 0.5


def is_configured() -> bool:
    return bool(settings.TELEGRAM_BOT_TOKEN and settings.TELEGRAM_CHAT_ID)


def _body(raw: bytes) -> dict:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def call(method: str, payload: dict, *, timeout: float | None = None):
    """Call ``method`` of the Bot API; its ``result``.

    Raises RetryLater on 429 (with Telegram's ``retry_after``), Undeliverable on any other 4xx (the chat
    or message is wrong and stays wrong), ProviderError on 5xx or ``ok: false``, OSError when Telegram
    cannot be reached or does not answer within the timeout. No message names the bot's token.
    """
    request = urllib.request.Request(
        f"{settings.TELEGRAM_API_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}",
        data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout or settings.TELEGRAM_TIMEOUT_SECONDS) as response:
            body = _body(response.read())
    except urllib.error.HTTPError as error:
        body = _body(error.read())
        description = str(body.get("description", ""))[:300]
        if error.code == 429:
            retry_after = (body.get("parameters") or {}).get("retry_after", 5)
            raise RetryLater(retry_after, _("Telegram asked to wait %(seconds)s s") % {"seconds": retry_after}) from None
        if 400 <= error.code < 500:
            raise Undeliverable(_("Telegram refused %(method)s (%(code)s): %(description)s") % {
                "method": method, "code": error.code, "description": description}) from None
        raise ProviderError(_("Telegram answered %(code)s: %(description)s") % {
            "code": error.code, "description": description}) from None
    except urllib.error.URLError as error:
        raise OSError(_("Telegram could not be reached: %(reason)s") % {"reason": error.reason}) from None
    if not body.get("ok"):
        raise ProviderError(_("Telegram did not accept %(method)s: %(description)s") % {
            "method": method, "description": str(body.get("description", ""))[:300]})
    return body.get("result")


# --- Telegram's limits per chat -------------------------------------------------------------------


def chat_gap(chat_id: str) -> int:
    """Seconds between two messages to one chat: one a second, and in a group (negative id) one every three,
    which keeps any sixty seconds within twenty messages."""
    return GROUP_GAP_SECONDS if str(chat_id).startswith("-") else PRIVATE_GAP_SECONDS


def chat_wait(chat_id: str) -> float:
    """Take the chat's next place to send one message now: 0.0 when taken, else the seconds to wait.

    The place is a cache key that lives for the chat's gap, added only if absent (atomic in Redis and in
    the local-memory cache), so two senders never take it at once.
    """
    now = time.time()
    held_until = cache.get(f"telegram:hold:{chat_id}")
    if held_until and held_until > now:
        return held_until - now
    gap = chat_gap(chat_id)
    if cache.add(f"telegram:last:{chat_id}", now, timeout=gap):
        return 0.0
    last = cache.get(f"telegram:last:{chat_id}")
    return max((last or now) + gap - now, 0.05)


def chat_hold(chat_id: str, seconds: float) -> None:
    """Send nothing more to ``chat_id`` for ``seconds`` (Telegram's 429 ``retry_after``)."""
    cache.set(f"telegram:hold:{chat_id}", time.time() + seconds, timeout=int(seconds) + 2)


def wait_for_chat(chat_id: str) -> None:
    """Return when a message may go to ``chat_id``; RetryLater when that is more than a moment away."""
    while True:
        wait = chat_wait(chat_id)
        if wait <= 0:
            return
        if wait > MAX_SLEEP_SECONDS:
            raise RetryLater(wait, _("Waiting for Telegram's limit for this chat"))
        time.sleep(wait)


# --- The staff chat's messages (in the studio's language: the chat is everyone's) ----------------------


def _actor(payload: dict) -> str:
    if payload.get("expired"):
        return _("the system (not confirmed in time)")
    return payload.get("by") or pgettext("who acted", "the guest")


def message_text(notification: Notification) -> str:
    """The message, in the active language (``send_notification`` makes it the chat's)."""
    booking, payload = notification.booking, notification.payload
    details = _("%(space)s, %(when)s") % {"space": booking.space.name, "when": booking_when(booking)}
    if notification.kind == Kind.REQUESTED:
        return _("New request %(reference)s\n%(details)s\n%(client)s · %(total)s") % {
            "reference": booking.reference, "details": details, "client": booking.client_first_name,
            "total": money(booking.total_price)}
    if notification.kind == Kind.CANCELLED and payload.get("expired"):
        return _("Request %(reference)s expired: nobody confirmed it in time.\n%(details)s is free again.") % {
            "reference": booking.reference, "details": details}
    if notification.kind == Kind.CANCELLED:
        return _("%(reference)s was cancelled by %(who)s: %(reason)s\n%(details)s is free again.") % {
            "reference": booking.reference, "who": _actor(payload), "reason": payload.get("reason", ""),
            "details": details}
    return _("%(reference)s: no-show, marked by %(who)s: %(reason)s\n%(details)s") % {
        "reference": booking.reference, "who": _actor(payload), "reason": payload.get("reason", ""),
        "details": details}


def answer_buttons(notification: Notification) -> dict | None:
    """Confirm and Decline under a new request; each names the booking and the version it was sent at."""
    if notification.kind != Kind.REQUESTED:
        return None
    target = f"{notification.booking_id}:{notification.payload.get('version', 1)}"
    return {"inline_keyboard": [[
        {"text": _("Confirm"), "callback_data": f"confirm:{target}"},
        {"text": _("Decline"), "callback_data": f"decline:{target}"},
    ]]}


def send_notification(notification: Notification) -> None:
    """Send one outbox row to its chat, within the chat's limits."""
    if not settings.TELEGRAM_BOT_TOKEN:
        raise ProviderError(_("%(setting)s is not set") % {"setting": "TELEGRAM_BOT_TOKEN"})
    chat_id = notification.recipient
    with translation.override(language_for(notification)):
        text, buttons = message_text(notification), answer_buttons(notification)
    payload = {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
    if buttons:
        payload["reply_markup"] = buttons
    wait_for_chat(chat_id)
    try:
        call("sendMessage", payload)
    except RetryLater as wait:
        chat_hold(chat_id, wait.seconds)
        raise


def outcome_line(*, action: str, employee, at=None) -> str:
    """What the pressed button did, for the edited message: in the chat's language, the studio's."""
    with translation.override(settings.STUDIO_LANGUAGE):
        values = {"name": employee, "time": when(at or timezone.now(), "time")}
        if action == "confirm":
            return _("✅ Confirmed by %(name)s at %(time)s") % values
        return _("❌ Declined by %(name)s at %(time)s") % values
