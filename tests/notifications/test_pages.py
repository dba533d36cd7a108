"""The deliveries page for admins and owners, and the notifications section of an employee's account page."""

import logging
import re

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from notifications.models import Channel, Kind, Notification, StaffNotificationSettings, Status
from tests.factories import BookingFactory, studio_time

from .conftest import link_telegram

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    """What a reader sees: the page's text without its markup."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def outbox_row(booking, *, status=Status.SENT, channel=Channel.EMAIL, kind=Kind.REQUESTED, error="", number=0):
    return Notification.objects.create(
        booking=booking, kind=kind, channel=channel, audience="guest" if channel == Channel.EMAIL else "staff",
        recipient="irina.petrova@example.com" if channel == Channel.EMAIL else "-100500", status=status,
        attempts=3 if status in (Status.FAILED, Status.DEAD) else 1, last_error=error,
        dedupe_key=f"test:{booking.pk}:{status}:{channel}:{kind}:{number}",
    )


@pytest.fixture
def outbox(space):
    booking = BookingFactory(space=space, start=studio_time(2, 10))
    return {
        "sent": outbox_row(booking),
        "dead": outbox_row(booking, status=Status.DEAD, channel=Channel.TELEGRAM, kind=Kind.CANCELLED,
                           error="Undeliverable: Telegram refused sendMessage (400): chat not found"),
        "failed": outbox_row(booking, status=Status.FAILED, error="ConnectionRefusedError: mail server down",
                             kind=Kind.CONFIRMED),
    }


class TestDeliveriesPage:
    @pytest.mark.parametrize("role", ["owner", "admin"])
    def test_admins_and_owners_see_status_attempts_and_errors_but_no_address(self, staff_client, request, role, outbox):
        response = staff_client(request.getfixturevalue(role)).get("/notifications/")
        html = response.content.decode()
        assert "3 messages" in page_text(response)
        for text in ("Sent", "Dead", "Failed", "chat not found", "mail server down", "3 attempts",
                     outbox["sent"].booking.reference, "i•••@example.com", "staff chat"):
            assert text in html, text
        assert "irina.petrova" not in html and "-100500" not in html
        assert len(re.findall(r'action="/notifications/\d+/retry/"', html)) == 2, "retry for failed and dead only"

    def test_a_manager_is_refused_and_the_denial_is_logged(self, staff_client, manager, outbox, caplog):
        client = staff_client(manager)
        with caplog.at_level(logging.WARNING, logger="studio.security"):
            assert client.get("/notifications/").status_code == 403
            assert client.post(f"/notifications/{outbox['dead'].pk}/retry/").status_code == 403
        assert caplog.text.count("denied employee=manager") == 2
        assert Notification.objects.get(pk=outbox["dead"].pk).status == Status.DEAD

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, outbox):
        response = client.get("/notifications/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")

    def test_filters_narrow_the_list_and_htmx_gets_only_the_results(self, staff_client, admin, outbox):
        client = staff_client(admin)
        text = page_text(client.get("/notifications/?status=dead&channel=telegram"))
        assert "1 message matches the filters" in text and "chat not found" in text and "mail server down" not in text
        partial = client.get("/notifications/?kind=confirmed", headers={"HX-Request": "true"}).content.decode()
        assert partial.lstrip().startswith('<section id="results"') and "mail server down" in partial
        assert "<html" not in partial

    def test_an_unknown_filter_is_shown_and_ignored(self, staff_client, admin, outbox):
        text = page_text(staff_client(admin).get("/notifications/?status=lost"))
        assert "Some filters were not applied" in text and "3 messages" in text

    def test_the_page_runs_the_same_queries_for_few_and_many(self, staff_client, admin, space,
                                                             django_assert_num_queries, django_assert_max_num_queries):
        client = staff_client(admin)
        booking = BookingFactory(space=space)
        for number in range(3):
            outbox_row(booking, number=number)
        client.get("/notifications/")
        with django_assert_max_num_queries(20) as few:
            client.get("/notifications/")
        for number in range(3, 40):
            outbox_row(BookingFactory(space=space, start=studio_time(3 + number // 10, 9 + number % 10),
                                      end=studio_time(3 + number // 10, 10 + number % 10)), number=number)
        with django_assert_num_queries(len(few.captured_queries)):
            client.get("/notifications/")

    def test_retry_queues_a_dead_row_afresh_and_is_audited(self, staff_client, admin, outbox):
        dead = outbox["dead"]
        response = staff_client(admin).post(f"/notifications/{dead.pk}/retry/", {"next": "/notifications/?status=dead"})
        assert response.status_code == 302 and response["Location"] == "/notifications/?status=dead"
        dead.refresh_from_db()
        assert (dead.status, dead.attempts) == (Status.QUEUED, 0) and dead.next_attempt_at <= timezone.now()
        entry = LogEntry.objects.get_for_object(dead).get()
        assert entry.actor == admin and entry.changes_dict == {"status": ["dead", "queued"]}

    def test_a_sent_row_is_not_sent_again(self, staff_client, admin, outbox):
        client = staff_client(admin)
        response = client.post(f"/notifications/{outbox['sent'].pk}/retry/", follow=True)
        assert "Only failed or dead deliveries can be sent again." in response.content.decode()
        assert Notification.objects.get(pk=outbox["sent"].pk).status == Status.SENT

    def test_the_navigation_shows_the_page_to_admins_only(self, staff_client, admin, manager):
        assert 'href="/notifications/"' in staff_client(admin).get("/dashboard/").content.decode()
        assert 'href="/notifications/"' not in staff_client(manager).get("/dashboard/").content.decode()


class TestAccountSection:
    @pytest.fixture(autouse=True)
    def studio_bot(self, settings):
        settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID = "4242:token-for-tests", "-100500"

    def test_an_employee_takes_a_link_code_and_sees_it_until_it_is_used(self, staff_client, manager):
        client = staff_client(manager)
        assert "Get a link code" in client.get("/account/").content.decode()
        response = client.post("/notifications/account/telegram/code/")
        assert response.status_code == 302 and response["Location"] == "/account/#notifications"
        html = client.get("/account/").content.decode()
        code = re.search(r"/start ([A-Z0-9]{10})", html).group(1)
        assert "The code works once" in html
        from notifications.services import telegram_link

        assert telegram_link(code=code, telegram_user_id=4321, telegram_name="maria_tg") == manager
        html = client.get("/account/").content.decode()
        assert code not in html and "Linked to Telegram as <strong>maria_tg</strong>" in html

    def test_unlinking_stops_presses_acting_as_the_employee(self, staff_client, manager):
        link_telegram(manager, 4321)
        client = staff_client(manager)
        assert "Unlink Telegram" in client.get("/account/").content.decode()
        client.post("/notifications/account/telegram/unlink/")
        from notifications.services import telegram_employee

        assert telegram_employee(4321) is None

    def test_email_choices_are_saved(self, staff_client, manager):
        client = staff_client(manager)
        html = client.get("/account/").content.decode()
        assert "Email me about bookings of the halls I work on" in html
        client.post("/notifications/account/email/", {"email_requested": "on", "email_no_show": "on"})
        saved = StaffNotificationSettings.objects.get(employee=manager)
        assert (saved.email_requested, saved.email_cancelled, saved.email_no_show) == (True, False, True)
        checked = re.findall(r'<input type="checkbox" name="(\w+)"[^>]* checked>', client.get("/account/").content.decode())
        assert checked == ["email_requested", "email_no_show"]

    def test_the_section_needs_a_signed_in_employee(self, client):
        response = client.post("/notifications/account/telegram/code/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
