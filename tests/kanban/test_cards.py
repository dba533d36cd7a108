"""The board's cards are rendered once per version of their booking and taken from the cache after: what a
card shows stays what the booking, its hall and the clock say, and nothing of one employee's page reaches
another's."""

import os
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.models import BookingState, Space
from bookings.services import booking_set_payment
from tests.factories import BookingFactory, studio_time

pytestmark = pytest.mark.django_db


def card_of(html: str, booking) -> str:
    card = html[html.index(f'id="card-{booking.pk}"'):]
    return card[: card.index("</article>")]


@pytest.fixture
def renders():
    """How many cards the board renders (rather than takes from the cache)."""
    with mock.patch("kanban.cards.render_to_string", wraps=render_to_string) as render:
        yield render


def test_a_card_is_rendered_once_then_again_only_when_its_booking_changes(staff_client, owner, admin, space,
                                                                         renders):
    bookings = [BookingFactory(space=space, start=studio_time(1, hour)) for hour in (8, 11, 14, 17)]
    staff_client(owner).get(reverse("kanban"))
    assert renders.call_count == 4
    # Another employee's board takes the same cards.
    staff_client(admin).get(reverse("kanban"))
    assert renders.call_count == 4

    booking_set_payment(booking=bookings[1], status="paid", by=owner)
    html = staff_client(admin).get(reverse("kanban")).content.decode()
    assert renders.call_count == 5
    assert ">Paid</span>" in card_of(html, bookings[1])


def test_a_renamed_hall_shows_on_cards_rendered_before(staff_client, owner, space):
    booking = BookingFactory(space=space, start=studio_time(1, 10))
    client = staff_client(owner)
    client.get(reverse("kanban"))
    Space.objects.filter(pk=space.pk).update(name="Black Hall", colour="#222222")
    card = card_of(client.get(reverse("kanban")).content.decode(), booking)
    assert "Black Hall" in card and "background: #222222" in card
    assert "White Hall" not in card


def test_from_its_start_a_card_offers_the_moves_of_a_started_booking(staff_client, owner, space):
    booking = BookingFactory(space=space, start=studio_time(1, 10), state=BookingState.CONFIRMED)
    client = staff_client(owner)
    before = card_of(client.get(reverse("kanban")).content.decode(), booking)
    assert '<option value="in_progress">' not in before
    with time_machine.travel(booking.start + timedelta(minutes=5)):
        after = card_of(staff_client(owner).get(reverse("kanban")).content.decode(), booking)
    assert '<option value="in_progress">In progress</option>' in after
    assert '<option value="no_show">No-show</option>' in after


def test_a_kept_card_carries_each_page_its_own_token_and_the_plain_form_still_works(staff_client, owner, admin,
                                                                                   studio):
    booking = BookingFactory(space=studio["white"], start=studio_time(1, 10))
    owners_page = card_of(staff_client(owner).get(reverse("kanban")).content.decode(), booking)
    browser = staff_client(admin)
    browser.handler.enforce_csrf_checks = True
    board = f"{reverse('kanban')}?space={studio['white'].pk}"
    card = card_of(browser.get(board).content.decode(), booking)

    def token(html):
        return html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]

    assert token(card) != token(owners_page)
    next_url = card.split('name="next" value="')[1].split('"')[0].replace("&amp;", "&")
    assert next_url.startswith("/kanban/?") and f"space={studio['white'].pk}" in next_url
    response = browser.post(reverse("kanban_move"), {
        "csrfmiddlewaretoken": token(card), "booking": booking.pk, "version": booking.version, "to": "confirmed",
        "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED


def test_typed_text_cannot_reach_where_a_page_puts_its_form_fields(staff_client, owner, space):
    booking = BookingFactory(space=space, start=studio_time(1, 10), client_name="<!--kanban-card-form-fields-->")
    card = card_of(staff_client(owner).get(reverse("kanban")).content.decode(), booking)
    assert card.count('name="csrfmiddlewaretoken"') == 1
    assert "&lt;!--kanban-card-form-fields--&gt;" in card


@pytest.mark.skipif(bool(os.environ.get("REDIS_URL")), reason="the local-memory cache of the embedded defaults")
def test_a_long_board_never_pushes_rate_limits_out_of_the_cache(staff_client, owner, space, fresh_limits):
    BookingFactory.create_batch(330, space=space, state=BookingState.CANCELLED, start=studio_time(1, 10))
    cache.set("a-rate-limit-counter", 3, 3600)
    html = staff_client(owner).get(reverse("kanban"), {"show_cancelled": "500"}).content.decode()
    assert html.count('class="kanban-card"') == 330
    assert cache.get("a-rate-limit-counter") == 3
