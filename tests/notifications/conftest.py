import json

import pytest
from django.core.cache import cache

from notifications import background
from notifications.models import StaffNotificationSettings
from tests.factories import studio_time

from .telegram_stub import TelegramStub

WEBHOOK_SECRET = "webhook-secret-for-tests"
STAFF_CHAT = "-100500"


@pytest.fixture(autouse=True)
def embedded_defaults(settings):
    """Deliveries in this process, as on the embedded defaults, unless a test says otherwise (the Redis
    tests do); Telegram's per-chat windows start empty."""
    settings.RQ_ENABLED = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def telegram(settings):
    """The stand-in Bot API, with the studio's chat and webhook secret configured to use it."""
    stub = TelegramStub().start()
    settings.TELEGRAM_API_URL = stub.url
    settings.TELEGRAM_BOT_TOKEN = "4242:token-for-tests"
    settings.TELEGRAM_CHAT_ID = STAFF_CHAT
    settings.TELEGRAM_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.TELEGRAM_TIMEOUT_SECONDS = 1.0
    yield stub
    background.wait_idle(10)
    stub.stop()


def link_telegram(employee, telegram_user_id: int) -> None:
    StaffNotificationSettings.objects.update_or_create(
        employee=employee, defaults={"telegram_user_id": telegram_user_id, "telegram_name": employee.username})


def post_update(client, update: dict, *, secret: str | None = WEBHOOK_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/notifications/telegram/webhook/", json.dumps(update), content_type="application/json",
                       headers=headers)


def press(client, sent_message: dict, button: int, *, telegram_user_id: int, secret: str | None = WEBHOOK_SECRET):
    """Press button ``button`` (0 Confirm, 1 Decline) under ``sent_message`` (a sendMessage body the stub saw)."""
    data = sent_message["reply_markup"]["inline_keyboard"][0][button]["callback_data"]
    update = {"update_id": 1, "callback_query": {
        "id": "cb-1", "from": {"id": telegram_user_id, "is_bot": False, "first_name": "Staff"},
        "message": {"message_id": 77, "chat": {"id": int(sent_message["chat_id"]), "type": "supergroup"},
                    "text": sent_message["text"]},
        "data": data,
    }}
    return post_update(client, update, secret=secret)


def guest_body(**overrides) -> dict:
    day = studio_time(3, 10)
    data = {"date": f"{day:%Y-%m-%d}", "startTime": "10:00", "endTime": "12:00", "space": "white",
            "clientName": "Irina Petrova", "clientPhone": "+7 916 123-45-67", "clientEmail": "irina@example.com",
            "equipment": [], "promoCode": "", "consent": True}
    data.update(overrides)
    return data


def guest_books(client, **overrides):
    return client.post("/api/v1/bookings", json.dumps(guest_body(**overrides)), content_type="application/json")
