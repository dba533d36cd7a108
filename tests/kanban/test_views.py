import json
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Booking, BookingState, BookingTransition, PaymentStatus
from bookings.pii import decrypt
from kanban.models import CardPosition
from studio_crm.formatting import money
from tests.factories import BookingFactory, studio_time

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def column_of(html: str, booking) -> str:
    """The state of the column whose list holds ``booking``'s card in the rendered board."""
    card_at = html.index(f'id="card-{booking.pk}"')
    list_at = html.rindex('class="kanban-cards" data-state="', 0, card_at)
    return html[list_at:].split('data-state="')[1].split('"')[0]


@pytest.fixture
def week(studio):
    """A booking in each state of the board, plus a draft and one outside the default week."""
    white, loft = studio["white"], studio["loft"]
    made = {
        state: BookingFactory(space=white if i % 2 else loft, state=state, start=studio_time(1 + i, 10),
                              client_name=f"Client {state}")
        for i, state in enumerate(["pending", "confirmed", "in_progress", "completed", "cancelled", "no_show"])
    }
    made["draft"] = BookingFactory(space=white, state=BookingState.DRAFT, start=studio_time(2, 14),
                                   client_name="Client draft")
    made["later"] = BookingFactory(space=white, start=studio_time(20, 10), client_name="Client later")
    return made


class TestBoard:
    def test_columns_show_this_weeks_cards_but_no_drafts(self, staff_client, owner, week):
        client = staff_client(owner)
        response = client.get(reverse("kanban"))
        html = response.content.decode()
        assert response.status_code == 200
        for label in ["New · pending", "Confirmed", "In progress", "Completed", "Cancelled", "No-show"]:
            assert f'<span class="state-dot" aria-hidden="true"></span>{label}</span>' in html
        for state in ["pending", "confirmed", "in_progress", "completed", "cancelled", "no_show"]:
            assert column_of(html, week[state]) == state
        assert "Client draft" not in html
        assert "Client later" not in html
        # No-show is folded away by default.
        assert '<details class="kanban-column column-folded" data-column="no_show">' in html

    def test_a_card_shows_what_staff_need(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10), client_name="Irina Petrova",
                                 total_price=Decimal("12500.00"), payment_status=PaymentStatus.DEPOSIT_PAID,
                                 special_requirements="Needs a white backdrop")
        client = staff_client(owner)
        html = client.get(reverse("kanban")).content.decode()
        card = html[html.index(f'id="card-{booking.pk}"'):]
        card = card[: card.index("</article>")]
        assert "Irina Petrova" in card
        assert f'href="{booking.get_absolute_url()}"' in card
        assert "White Hall" in card and "background: #4f7cac" in card
        assert "10:00–12:00" in card and "2 h" in card
        assert money(12500) in card
        assert "Deposit paid" in card
        assert "Has notes" in card
        # The keyboard alternative to dragging: a pending booking can be confirmed or cancelled.
        assert '<option value="confirmed">Confirmed</option>' in card
        assert '<option value="cancelled">Cancelled</option>' in card

    def test_an_unpaid_pending_booking_says_payment_pending(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10), payment_status=PaymentStatus.PENDING)
        client = staff_client(owner)
        html = client.get(reverse("kanban")).content.decode()
        card = html[html.index(f'id="card-{booking.pk}"'):]
        card = card[: card.index("</article>")]
        assert column_of(html, booking) == "pending"
        assert ">Payment pending</span>" in card
        assert ">Pending</span>" not in card

    def test_a_space_colour_never_breaks_out_of_its_style_attribute(self, staff_client, owner, space):
        from bookings.models import Space

        Space.objects.filter(pk=space.pk).update(colour="url(x)")  # a row from before colours were checked
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        client = staff_client(owner)
        html = client.get(reverse("kanban")).content.decode()
        card = html[html.index(f'id="card-{booking.pk}"'):]
        card = card[: card.index("</article>")]
        assert "url(x)" not in card
        assert 'style="background: #8a94a3"' in card

    def test_column_counts_and_totals(self, staff_client, owner, space):
        for hour in (10, 13):
            BookingFactory(space=space, start=studio_time(1, hour), total_price=Decimal("5000.00"))
        client = staff_client(owner)
        html = client.get(reverse("kanban")).content.decode()
        head = html[html.index('data-column="pending"'):]
        assert 'aria-label="2 bookings">2</span>' in head[:600]
        assert money(10000) in head[:800]

    def test_the_board_its_script_fetches_after_a_change_carries_the_new_totals(self, staff_client, owner, space):
        """The live board takes its column heads from the server: no formatting rule is kept in the script."""
        booking = BookingFactory(space=space, start=studio_time(1, 10), total_price=Decimal("5000.00"))
        client = staff_client(owner)
        page = client.get(reverse("kanban")).content.decode()
        board_url = page.split('data-url="')[1].split('"')[0]
        assert 'data-socket="/ws/kanban/"' in page
        client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed", "version": 1}, **JSON)
        html = client.get(board_url, HTTP_HX_REQUEST="true").content.decode()
        head = html[html.index('data-column="confirmed"'):]
        assert 'aria-label="1 booking">1</span>' in head[:600]
        assert money(5000) in head[:800]

    def test_the_page_tells_the_script_which_moves_need_a_reason(self, staff_client, owner):
        html = staff_client(owner).get(reverse("kanban")).content.decode()
        data = html.split('<script id="reason-questions" type="application/json">')[1].split("</script>")[0]
        assert json.loads(data) == {"cancelled": "Cancel booking?", "no_show": "Mark no-show?"}

    def test_a_manager_sees_only_their_spaces(self, staff_client, manager, week):
        client = staff_client(manager)
        html = client.get(reverse("kanban")).content.decode()
        white_cards = [b for b in week.values() if b.space.slug == "white" and b.state != "draft"
                       and b.client_name != "Client later"]
        for booking in white_cards:
            assert f'id="card-{booking.pk}"' in html
        for booking in week.values():
            if booking.space.slug == "loft":
                assert f'id="card-{booking.pk}"' not in html

    def test_filters_by_date_range_and_space(self, staff_client, owner, week, studio):
        client = staff_client(owner)
        later = week["later"]
        day = later.start.date()
        html = client.get(reverse("kanban"), {"date_from": day, "date_to": day, "space": studio["white"].pk}).content
        assert f'id="card-{later.pk}"'.encode() in html
        assert f'id="card-{week["pending"].pk}"'.encode() not in html

    def test_an_impossible_range_falls_back_to_the_week_with_a_message(self, staff_client, owner, week):
        client = staff_client(owner)
        response = client.get(reverse("kanban"), {"date_from": "2026-03-10", "date_to": "2026-03-01"})
        assert response.status_code == 200
        assert "must not be after" in response.content.decode()
        assert "Showing this week instead" in response.content.decode()
        assert f'id="card-{week["pending"].pk}"' in response.content.decode()

    @pytest.mark.parametrize("dates", [
        {"date_from": "9999-12-30", "date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "2099-12-31"},
        {"date_from": "1999-12-31", "date_to": "2000-01-05"},
        {"date_from": "2026-01-01", "date_to": "2026-06-30"},
        {"date_from": "not-a-date", "date_to": "31.12.2026"},
    ])
    @pytest.mark.parametrize("htmx", [False, True])
    def test_dates_at_the_edge_of_the_calendar_give_a_message_not_an_error(self, staff_client, owner, week, dates, htmx):
        client = staff_client(owner)
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.get(reverse("kanban"), dates, **headers)
        html = response.content.decode()
        assert response.status_code == 200
        if dates == {"date_from": "2099-12-31"}:
            # The last day staff can pick is a valid board of one day.
            assert "could not be shown" not in html
            assert 'data-to="2099-12-31"' in html
        else:
            assert "These dates could not be shown" in html and "Showing this week instead" in html
            assert f'id="card-{week["pending"].pk}"' in html

    def test_a_range_of_62_days_is_shown_and_63_is_refused(self, staff_client, owner, week):
        client = staff_client(owner)
        ok = client.get(reverse("kanban"), {"date_from": "2026-01-01", "date_to": "2026-03-03"}).content.decode()
        too_long = client.get(reverse("kanban"), {"date_from": "2026-01-01", "date_to": "2026-03-04"}).content.decode()
        assert "could not be shown" not in ok and 'data-to="2026-03-03"' in ok
        assert "Choose at most 62 days" in too_long

    def test_htmx_gets_only_the_filters_and_board(self, staff_client, owner, week):
        client = staff_client(owner)
        response = client.get(reverse("kanban"), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="board-area"')
        assert 'id="board"' in html and "kanban-filters" in html
        assert "<html" not in html

    def test_an_htmx_history_restore_gets_the_whole_page(self, staff_client, owner, week):
        client = staff_client(owner)
        response = client.get(reverse("kanban"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
        html = response.content.decode()
        assert "<html" in html and 'id="board"' in html
        assert 'class="page-header kanban-header"' in html

    def test_guests_are_sent_to_sign_in(self, client):
        response = client.get(reverse("kanban"))
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_fixed_query_count_whatever_the_number_of_cards(self, staff_client, manager, space, django_assert_num_queries):
        client = staff_client(manager)
        BookingFactory(space=space, start=studio_time(1, 20))
        client.get(reverse("kanban"))  # warm caches (content types)
        with CaptureQueriesContext(connection) as small:
            client.get(reverse("kanban"))
        for day in range(1, 6):
            for hour in (10, 12, 14, 16, 18):
                BookingFactory(space=space, start=studio_time(day, hour), state=BookingState.CONFIRMED,
                               notes="note")
        with django_assert_num_queries(len(small.captured_queries)):
            response = client.get(reverse("kanban"))
        assert response.content.decode().count('class="kanban-card"') == 26


class TestMove:
    def test_an_allowed_move_persists_and_returns_the_settled_card(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed",
                                                        "version": booking.version}, **JSON)
        body = response.json()
        assert response.status_code == 200
        assert body["ok"] and body["state"] == "confirmed"
        assert "is now in Confirmed" in body["message"]
        assert 'data-state="confirmed"' in body["card"]
        booking.refresh_from_db()
        assert booking.state == BookingState.CONFIRMED and booking.version == 2
        assert json.loads(response["HX-Trigger"])["toast"]["level"] == "success"

    def test_completed_back_to_new_is_refused_and_untouched(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10), state=BookingState.COMPLETED)
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "pending",
                                                        "version": booking.version}, **JSON)
        assert response.status_code == 409
        assert "cannot become pending" in response.json()["message"]
        assert response.json()["state"] == "completed"
        booking.refresh_from_db()
        assert booking.state == BookingState.COMPLETED

    def test_no_show_before_the_start_is_refused(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10), state=BookingState.CONFIRMED)
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "no_show", "reason": "Absent",
                                                        "version": booking.version}, **JSON)
        assert response.status_code == 409
        assert "only be set from the start time" in response.json()["message"]
        assert Booking.objects.get(pk=booking.pk).state == BookingState.CONFIRMED

    def test_no_show_after_the_start_needs_and_records_a_reason(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10), state=BookingState.CONFIRMED)
        with time_machine.travel(booking.start + timedelta(minutes=20)):
            client = staff_client(owner)
            refused = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "no_show",
                                                           "version": booking.version}, **JSON)
            moved = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "no_show",
                                                         "reason": "Did not come", "version": booking.version}, **JSON)
        assert refused.status_code == 400 and "Give a reason" in refused.json()["message"]
        assert moved.status_code == 200
        assert BookingTransition.objects.get(booking=booking, to_state="no_show").reason == "Did not come"

    def test_cancel_without_a_reason_is_refused(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "cancelled"}, **JSON)
        assert response.status_code == 400
        assert Booking.objects.get(pk=booking.pk).state == BookingState.PENDING

    def test_a_stale_card_is_refused_and_shown_where_it_really_is(self, staff_client, owner, admin, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        client = staff_client(admin)
        client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed", "version": 1}, **JSON)
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "cancelled",
                                                        "reason": "Client called", "version": 1}, **JSON)
        assert response.status_code == 409
        assert "changed by someone else" in response.json()["message"]
        assert response.json()["state"] == "confirmed"
        assert 'data-version="2"' in response.json()["card"]
        assert Booking.objects.get(pk=booking.pk).state == BookingState.CONFIRMED

    def test_order_inside_a_column_is_kept(self, staff_client, owner, space):
        first, second, third = (BookingFactory(space=space, start=studio_time(1, hour)) for hour in (10, 13, 16))
        client = staff_client(owner)
        order = f"{third.pk},{first.pk},{second.pk}"
        response = client.post(reverse("kanban_move"), {"booking": third.pk, "to": "pending", "order": order}, **JSON)
        assert response.status_code == 200
        html = client.get(reverse("kanban")).content.decode()
        positions = [html.index(f'id="card-{b.pk}"') for b in (third, first, second)]
        assert positions == sorted(positions)
        assert CardPosition.objects.count() == 3

    def test_a_manager_cannot_move_another_spaces_booking(self, staff_client, manager, studio):
        booking = BookingFactory(space=studio["loft"], start=studio_time(1, 10))
        client = staff_client(manager)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed"}, **JSON)
        assert response.status_code == 404
        assert Booking.objects.get(pk=booking.pk).state == BookingState.PENDING

    def test_a_manager_cannot_reorder_another_spaces_cards(self, staff_client, manager, studio):
        mine = BookingFactory(space=studio["white"], start=studio_time(1, 10))
        theirs = BookingFactory(space=studio["loft"], start=studio_time(1, 10))
        client = staff_client(manager)
        client.post(reverse("kanban_move"), {"booking": mine.pk, "to": "pending", "order": f"{theirs.pk},{mine.pk}"})
        assert list(CardPosition.objects.values_list("booking_id", "position")) == [(mine.pk, 0)]

    def test_without_javascript_the_form_redirects_back_with_a_message(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10))
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed",
                                                        "next": "/kanban/?space=1"}, follow=True)
        assert response.redirect_chain[-1][0] == "/kanban/?space=1"
        assert "is now in Confirmed" in response.content.decode()
        refused = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "pending",
                                                       "next": "https://evil.example/"}, follow=True)
        assert refused.redirect_chain[-1][0] == "/kanban/"
        assert "cannot become pending" in refused.content.decode()

    def test_garbage_is_a_400_not_a_500(self, staff_client, owner, space):
        client = staff_client(owner)
        response = client.post(reverse("kanban_move"), {"booking": "x", "to": "nowhere", "order": "1,;drop"}, **JSON)
        assert response.status_code == 400
        assert response.json()["ok"] is False

    def test_get_is_not_allowed(self, staff_client, owner):
        client = staff_client(owner)
        assert client.get(reverse("kanban_move")).status_code == 405



def pending_cards(space, count: int, *, first_day: int = 1) -> list:
    """``count`` pending bookings of ``space`` end to end, six a day from ``first_day`` on, earliest first."""
    return [BookingFactory(space=space, start=studio_time(first_day + n // 6, 8 + 2 * (n % 6)),
                           client_name=f"Guest {n:02d}") for n in range(count)]


def cards_of(html: str, state: str) -> list[str]:
    """The ids of the cards in the column of ``state``, top to bottom."""
    start = html.index(f'class="kanban-cards" data-state="{state}"')
    column = html[start:html.index("</div>", html.index('id="more-', start))]
    return [part.split('"')[0] for part in column.split('class="kanban-card" id="card-')[1:]]


class TestLongColumns:
    """A column shows its first cards and a link to the next; the page stays small however long the column."""

    def test_a_long_column_shows_its_first_cards_and_a_link_to_the_next(self, staff_client, owner, space):
        bookings = pending_cards(space, 30)
        client = staff_client(owner)
        html = client.get(reverse("kanban")).content.decode()
        assert cards_of(html, "pending") == [str(b.pk) for b in bookings[:25]]
        # The head counts every card of the column, shown or not.
        assert 'aria-label="30 bookings">30</span>' in html
        more = html[html.index('id="more-pending"'):]
        more = more[:more.index("</div>")]
        assert "Show more (5 not shown)" in more
        href = more.split('href="')[1].split('"')[0].replace("&amp;", "&")
        assert "show_pending=50" in href

        # Without JavaScript the link is the whole board, with more of that column.
        page = client.get(href).content.decode()
        assert cards_of(page, "pending") == [str(b.pk) for b in bookings]
        assert "Show more" not in page

    def test_show_more_through_htmx_brings_only_that_columns_cards(self, staff_client, owner, space):
        bookings = pending_cards(space, 30)
        BookingFactory(space=space, start=studio_time(2, 10), state=BookingState.CANCELLED)
        client = staff_client(owner)
        html = client.get(reverse("kanban")).content.decode()
        more = html[html.index('id="more-pending"'):]
        hx_get = more.split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
        assert 'hx-target="#cards-pending"' in more and 'hx-swap="innerHTML"' in more
        part = client.get(hx_get, HTTP_HX_REQUEST="true").content.decode()
        # The column as the server has it now, in place of the cards shown: none twice, none skipped.
        assert [card.split('"')[0] for card in part.split('class="kanban-card" id="card-')[1:]] == [
            str(b.pk) for b in bookings]
        # The link is swapped out of band: nothing more to show now.
        assert 'id="more-pending" hx-swap-oob="true"' in part and "Show more" not in part
        assert "<html" not in part and 'id="board"' not in part and "kanban-column-head" not in part

    def test_a_placed_card_comes_first_even_when_it_starts_last(self, staff_client, owner, space):
        bookings = pending_cards(space, 30)
        latest = bookings[-1]
        client = staff_client(owner)
        client.post(reverse("kanban_move"), {"booking": latest.pk, "to": "pending",
                                             "order": f"{latest.pk},{bookings[0].pk}"}, **JSON)
        shown = cards_of(client.get(reverse("kanban")).content.decode(), "pending")
        assert shown[:3] == [str(latest.pk), str(bookings[0].pk), str(bookings[1].pk)]
        assert len(shown) == 25

    def test_at_most_500_cards_a_column_then_a_word_to_narrow_the_filters(self, staff_client, owner, space):
        BookingFactory.create_batch(505, space=space, state=BookingState.CANCELLED, start=studio_time(1, 10))
        html = staff_client(owner).get(reverse("kanban"), {"show_cancelled": "9999"}).content.decode()
        assert len(cards_of(html, "cancelled")) == 500
        assert "5 more not shown: choose fewer days or one space." in html

    @pytest.mark.parametrize("value", ["abc", "-3", "0", "1" * 40])
    def test_a_strange_number_of_cards_shows_the_first_page(self, staff_client, owner, space, value):
        pending_cards(space, 30)
        response = staff_client(owner).get(reverse("kanban"), {"show_pending": value})
        assert response.status_code == 200
        assert len(cards_of(response.content.decode(), "pending")) == 25
        assert "could not be shown" not in response.content.decode()

    def test_the_live_page_fetches_only_the_cards_it_heard_of_with_every_head(self, staff_client, owner, space):
        changed, other = BookingFactory(space=space, start=studio_time(1, 10)), BookingFactory(
            space=space, start=studio_time(2, 10), state=BookingState.CONFIRMED)
        gone = BookingFactory(space=space, start=studio_time(30, 10))  # not on this board's dates
        client = staff_client(owner)
        page = client.get(reverse("kanban")).content.decode()
        board_url = page.split('data-url="')[1].split('"')[0].replace("&amp;", "&")
        html = client.get(f"{board_url}&cards={changed.pk},{gone.pk},x", HTTP_HX_REQUEST="true").content.decode()
        assert f'id="card-{changed.pk}"' in html
        assert f'id="card-{other.pk}"' not in html and f'id="card-{gone.pk}"' not in html
        head = html[html.index('data-column="confirmed"'):]
        assert 'aria-label="1 booking">1</span>' in head[:600]


class TestBoardCost:
    """What one board costs the server is bounded by what it shows, not by the bookings in its range."""

    def visit(self, client, params=None, **headers):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("kanban"), params or {}, **headers)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    @pytest.mark.parametrize(("params", "headers"), [
        ({}, {}),
        ({"show_cancelled": "100"}, {}),
        ({"show_pending": "50", "more": "pending"}, {"HTTP_HX_REQUEST": "true"}),
        ({"cards": "1,2,3"}, {"HTTP_HX_REQUEST": "true"}),
    ])
    def test_the_same_queries_for_a_few_cards_or_hundreds_rendered_or_kept(self, staff_client, manager, studio,
                                                                          params, headers):
        client = staff_client(manager)
        BookingFactory(space=studio["white"], start=studio_time(1, 20))
        self.visit(client)  # warms what every page reads once (content types)
        few, _ = self.visit(client, params, **headers)
        pending_cards(studio["white"], 30)
        # States that free their slot, so that many fit in one hall at one time.
        BookingFactory.create_batch(80, space=studio["white"], state=BookingState.CANCELLED, start=studio_time(2, 9),
                                    notes="note")
        BookingFactory.create_batch(40, space=studio["white"], state=BookingState.NO_SHOW, start=studio_time(2, 9))
        BookingFactory.create_batch(40, space=studio["loft"], state=BookingState.CANCELLED, start=studio_time(2, 9))
        many_fresh, html = self.visit(client, params, **headers)
        many_kept, _ = self.visit(client, params, **headers)
        assert few == many_fresh == many_kept
        if not params:
            assert html.count('class="kanban-card"') == 25 + 25 + 25

    def test_the_board_decrypts_no_phone_or_email(self, staff_client, owner, space):
        pending_cards(space, 12)
        client = staff_client(owner)
        with mock.patch("bookings.pii.decrypt", wraps=decrypt) as decrypted:
            html = client.get(reverse("kanban")).content.decode()
        assert html.count('class="kanban-card"') == 12
        assert decrypted.call_count == 0

    def test_the_board_shows_when_the_cache_cannot_be_reached(self, staff_client, owner, space):
        booking = BookingFactory(space=space, start=studio_time(1, 10), client_name="Irina Petrova")
        unreachable = mock.Mock(**{"get_many.side_effect": ConnectionError("redis is down"),
                                   "set_many.side_effect": ConnectionError("redis is down")})
        with mock.patch("kanban.cards._cards_cache", return_value=unreachable):
            response = staff_client(owner).get(reverse("kanban"))
        assert response.status_code == 200
        assert f'id="card-{booking.pk}"' in response.content.decode()
