"""The deliveries page and the account's notifications section in a real browser, on a desk and on a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from playwright.sync_api import expect

from notifications.models import Channel, Kind, Notification, Status
from tests.factories import BookingFactory, ClientFactory, studio_time

from .conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    (Kind.REQUESTED, Channel.TELEGRAM, Status.SENT, ""),
    (Kind.REQUESTED, Channel.EMAIL, Status.SENT, ""),
    (Kind.CONFIRMED, Channel.EMAIL, Status.FAILED, "SMTPServerDisconnected: Connection unexpectedly closed"),
    (Kind.CANCELLED, Channel.TELEGRAM, Status.DEAD, "Undeliverable: Telegram refused sendMessage (400): Bad Request: "
                                                    "chat not found"),
    (Kind.REMINDER, Channel.EMAIL, Status.QUEUED, ""),
    (Kind.RESCHEDULED, Channel.EMAIL, Status.SENT, ""),
]


def a_week_of_messages(studio):
    now = timezone.now()
    for number, (kind, channel, status, error) in enumerate(ROWS * 3):
        client = ClientFactory(name=f"Guest {number}", phone=f"+7916555{number:04d}")
        booking = BookingFactory(space=list(studio.values())[number % 3], client=client,
                                 start=studio_time(1 + number // 6, 10 + number % 6), end=studio_time(1 + number // 6, 11 + number % 6))
        Notification.objects.create(
            booking=booking, kind=kind, channel=channel, audience="staff" if channel == Channel.TELEGRAM else "guest",
            recipient="-100500" if channel == Channel.TELEGRAM else f"guest{number}@example.com", status=status,
            attempts={Status.SENT: 1, Status.FAILED: 4, Status.DEAD: 1, Status.QUEUED: 0}[status], last_error=error,
            created_at=now - timedelta(hours=number * 5), sent_at=now if status == Status.SENT else None,
            next_attempt_at=now + timedelta(minutes=8), dedupe_key=f"browser:{number}",
        )


def messages_text(count: int, *, filtered: bool = False) -> str:
    """What the results' head says, as the page's language says it (without its markup)."""
    if filtered:
        text = ngettext("<strong>%(counter)s</strong> message matches the filters",
                        "<strong>%(counter)s</strong> messages match the filters", count)
    else:
        text = ngettext("<strong>%(counter)s</strong> message", "<strong>%(counter)s</strong> messages", count)
    return re.sub(r"<[^>]+>", "", text % {"counter": count})


def shot_name(page_name: str, viewport) -> str:
    return f"{page_name}-{'desktop' if viewport == DESKTOP else 'phone'}-{get_language()}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_owner_reads_the_deliveries_and_sends_a_dead_message_again(new_page, owner, studio, viewport):
    a_week_of_messages(studio)
    page = new_page(viewport=viewport, user=owner)
    page.goto("/notifications/")
    expect(page.get_by_role("heading", name=gettext("Notifications"))).to_be_visible()
    expect(page.get_by_text(messages_text(18), exact=True)).to_be_visible()
    screenshot(page, shot_name("notifications", viewport))

    page.get_by_label(gettext("Status")).select_option("dead")
    expect(page.get_by_text(messages_text(3, filtered=True))).to_be_visible()
    assert re.search(r"status=dead", page.url)
    page.get_by_role("button", name=re.compile(gettext("Retry"))).first.click()
    expect(page.get_by_text(gettext("The message is queued to be sent again."))).to_be_visible()
    expect(page.get_by_text(messages_text(2, filtered=True))).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_manager_takes_a_link_code_and_chooses_emails(new_page, manager, settings, viewport):
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID = "4242:token-for-tests", "-100500"
    page = new_page(viewport=viewport, user=manager)
    page.goto("/account/")
    page.get_by_role("button", name=gettext("Get a link code")).click()
    expect(page.get_by_text(re.compile(r"/start [A-Z0-9]{10}"))).to_be_visible()
    page.get_by_label(gettext("new requests")).check()
    page.get_by_label(gettext("cancellations")).check()
    page.get_by_role("button", name=gettext("Save email choices")).click()
    expect(page.get_by_text(gettext("Your email notifications are saved."))).to_be_visible()
    expect(page.get_by_label(gettext("cancellations"))).to_be_checked()
    page.locator("#notifications").scroll_into_view_if_needed()
    screenshot(page, shot_name("account-notifications", viewport))
