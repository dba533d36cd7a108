"""The live board in a real browser. Live updates need websockets, which Django's live_server lacks,
so these tests run the real ASGI server (daphne) against the test database."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation.trans_real import DjangoTranslation

from bookings.models import Booking, BookingState, PaymentStatus
from bookings.services import booking_transition
from tests.factories import BookingFactory, studio_time
from tests.signing_in import signed_in_session

from .conftest import DESKTOP, PHONE, in_language, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def card_in(page, booking, state):
    return page.locator(f'.kanban-cards[data-state="{state}"] #card-{booking.pk}')


def drag(page, booking, state):
    """Drag a card by mouse, in small steps as a hand would, onto a column."""
    card = page.locator(f"#card-{booking.pk} .kc-line").first.bounding_box()
    target = page.locator(f'.kanban-cards[data-state="{state}"]').bounding_box()
    page.mouse.move(card["x"] + 20, card["y"] + 5)
    page.mouse.down()
    page.mouse.move(card["x"] + 30, card["y"] + 15, steps=4)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 40, steps=12)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 45, steps=3)
    page.mouse.up()


def test_a_card_dragged_on_one_board_moves_on_the_other(open_board, owner, studio):
    booking = BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="Irina Petrova")
    mine, theirs = open_board(owner), open_board(owner)

    drag(mine, booking, "confirmed")

    card_in(mine, booking, "confirmed").wait_for()
    card_in(theirs, booking, "confirmed").wait_for()
    assert mine.locator(".toast.success").first.inner_text().startswith(booking.reference)
    assert theirs.locator('[data-column="confirmed"] [data-count]').inner_text() == "1"
    assert Booking.objects.get(pk=booking.pk).state == BookingState.CONFIRMED


def test_an_invalid_drag_snaps_back_with_the_reason(open_board, owner, studio):
    booking = BookingFactory(space=studio["loft"], start=studio_time(1, 12), state=BookingState.COMPLETED)
    page = open_board(owner)

    drag(page, booking, "pending")

    page.locator(".toast.error", has_text=booking.transition_refusal(BookingState.PENDING)).wait_for()
    card_in(page, booking, "completed").wait_for()
    assert page.locator('.kanban-cards[data-state="pending"] .kanban-card').count() == 0
    assert Booking.objects.get(pk=booking.pk).state == BookingState.COMPLETED


def test_cancelling_asks_for_a_reason_and_the_menu_works_without_dragging(open_board, owner, studio):
    booking = BookingFactory(space=studio["white"], start=studio_time(2, 10))
    page = open_board(owner)
    card = page.locator(f"#card-{booking.pk}")
    card.locator("summary").click()
    card.get_by_label(gettext("Move to")).select_option("cancelled")
    card.get_by_role("button", name=pgettext("move a card", "Move")).click()
    dialog = page.locator("#reason-dialog")
    dialog.get_by_label(gettext("Reason")).fill("Client called to cancel")
    dialog.get_by_role("button", name=pgettext("move a card", "Move")).click()
    card_in(page, booking, "cancelled").wait_for()
    assert booking.transitions.get(to_state="cancelled").reason == "Client called to cancel"


def test_a_guest_booking_appears_on_the_open_board(open_board, owner, studio):
    page = open_board(owner)
    day = studio_time(3, 15)
    answer = page.request.post("/api/v1/bookings", data={
        "date": f"{day:%Y-%m-%d}", "startTime": "15:00", "endTime": "17:00", "space": "cyclorama",
        "clientName": "Guest From Website", "clientPhone": "+7 916 000-11-22", "consent": True,
    })
    assert answer.status == 201, answer.text()
    booking = Booking.objects.get(reference=answer.json()["bookingReference"])
    card_in(page, booking, "pending").wait_for()
    assert "Guest From Website" in page.locator(f"#card-{booking.pk}").inner_text()


def test_show_more_adds_a_columns_next_cards_and_live_changes_still_reach_them(open_board, owner, studio):
    bookings = sorted((BookingFactory(space=studio[hall], start=studio_time(1 + n // 6, 8 + 2 * (n % 6)))
                       for hall in ("white", "loft") for n in range(30)), key=lambda b: (b.start, b.pk))
    page = open_board(owner)
    page.evaluate("window.sameDocument = true")
    pending = page.locator('.kanban-cards[data-state="pending"] .kanban-card')
    assert pending.count() == 25
    page.get_by_role("link", name=show_more(35)).click()
    card_in(page, bookings[49], "pending").wait_for()
    assert pending.count() == 50
    assert "show_pending=50" in page.url and page.evaluate("window.sameDocument") is True

    # Cards the first page did not show change elsewhere: this board shows them as they are now, the one
    # paid for where it was, the one confirmed in its new column.
    token = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    headers = {"X-CSRFToken": token}
    paid = page.request.post(f"/bookings/{bookings[40].pk}/payment/", form={"payment_status": "paid"},
                             headers=headers, max_redirects=0)
    moved = page.request.post("/kanban/move/", form={"booking": bookings[30].pk, "to": "confirmed"},
                              headers={**headers, "Accept": "application/json"})
    assert paid.status == 302 and moved.ok, moved.text()
    card_in(page, bookings[30], "confirmed").wait_for()
    page.locator(f"#card-{bookings[40].pk} .pay-paid").wait_for()
    assert card_in(page, bookings[40], "pending").count() == 1
    assert page.locator('[data-column="pending"] [data-count]').inner_text() == "59"

    # The column's link, as the server writes it after the change, still brings the rest in place.
    page.get_by_role("link", name=show_more(9)).click()
    card_in(page, bookings[59], "pending").wait_for()
    assert pending.count() == 59 and page.locator("#more-pending a").count() == 0
    assert page.evaluate("window.sameDocument") is True


def show_more(hidden: int) -> str:
    return ngettext("Show more (%(hidden)s not shown)", "Show more (%(hidden)s not shown)", hidden) % {"hidden": hidden}


def test_screenshots_of_the_board(open_board, owner, admin, studio, ui_language):
    states = [BookingState.PENDING, BookingState.PENDING, BookingState.CONFIRMED, BookingState.CONFIRMED,
              BookingState.IN_PROGRESS, BookingState.COMPLETED, BookingState.CANCELLED, BookingState.NO_SHOW]
    names = ["Irina Petrova", "Alexei Smirnov", "Maria Ivanova-Kuznetsova", "Dmitry Orlov", "Elena Sokolova",
             "Pavel Morozov", "Olga Fedorova", "Sergei Volkov"]
    spaces = [studio["white"], studio["loft"], studio["cyclorama"]]
    payments = [PaymentStatus.PENDING, PaymentStatus.DEPOSIT_PAID, PaymentStatus.PAID]
    for i, (state, name) in enumerate(zip(states, names, strict=True)):
        BookingFactory(space=spaces[i % 3], start=studio_time(i % 4 + 1, 10 + (i % 3) * 3), state=state,
                       client_name=name, payment_status=payments[i % 3], total_price=Decimal(5000 + i * 2500),
                       notes="Bring the cyclorama lights" if i % 2 else "")
    open_board(admin)  # someone else is looking
    desktop = open_board(owner)
    desktop.locator("[data-presence]", has_text="Anton Admin").wait_for()
    script = DjangoTranslation(ui_language, domain="djangojs")  # the texts of the page's scripts
    assert desktop.locator("[data-live-text]").inner_text() == script.pgettext("live updates", "Live")
    assert desktop.locator("[data-presence]").inner_text() == script.gettext("Also viewing: %(names)s") % {
        "names": "Anton Admin"}
    screenshot(desktop, f"kanban-desktop-{ui_language}")
    phone = open_board(owner, viewport=PHONE)
    screenshot(phone, f"kanban-phone-{ui_language}")
    assert phone.locator(".kanban-card:visible").count() == len(states) - 1  # no-show folded
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # the board scrolls, not the page
    # Nothing spills out of its column or card, however long the words of the language.
    overflowing = desktop.evaluate("""() => [...document.querySelectorAll(
        '.kanban-column-head > *, .kanban-card > *, .kc-foot > *, .kanban-more .btn')]
        .filter((el) => el.checkVisibility())
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right
                > el.closest('.kanban-column').getBoundingClientRect().right + 1)
        .map((el) => el.className + ': ' + el.textContent.trim())""")
    assert overflowing == []



def test_a_board_whose_connection_dropped_catches_up_when_it_reconnects(browser, board_server, owner, studio,
                                                                       ui_language):
    """Changes a board missed while its socket was down are not replayed: on reconnecting it fetches the
    whole board again, without a page reload."""
    booking = BookingFactory(space=studio["white"], start=studio_time(1, 10), client_name="Irina Petrova")
    in_language(owner, ui_language)
    context = browser.new_context(viewport=DESKTOP, base_url=board_server, locale=ui_language)
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": signed_in_session(owner), "url": board_server}])
    sockets = []

    def through(route):  # the real server behind a socket the test can cut
        route.connect_to_server()
        sockets.append(route)

    context.route_web_socket("**/ws/kanban/", through)
    try:
        page = context.new_page()
        page.goto("/kanban/")
        page.wait_for_selector('[data-live-status][data-state="live"]')
        page.evaluate("window.sameDocument = true")
        # Confirmed elsewhere, by a process whose news never reaches this board's server.
        booking_transition(booking=booking, to=BookingState.CONFIRMED, by=owner)
        page.wait_for_timeout(300)
        assert card_in(page, booking, "pending").count() == 1

        sockets[0].close(code=1011, reason="server restarting")
        page.wait_for_selector('[data-live-status][data-state="live"]')
        card_in(page, booking, "confirmed").wait_for()
        assert len(sockets) == 2
        assert page.locator('[data-column="pending"] [data-count]').inner_text() == "0"
        assert page.evaluate("window.sameDocument") is True
    finally:
        context.close()
