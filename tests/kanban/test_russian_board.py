"""The board read in Russian: every word of it, the counts in their plural forms, the answers to moves, and the
socket, which carries codes only whatever the language."""

import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from bookings.models import PaymentStatus
from studio_crm.formatting import money, when
from tests.factories import BookingFactory, studio_time
from tests.languages import english_leaks, in_russian
from tests.live import board_socket, messages_until_quiet
from tests.signing_in import session_cookie

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
CLIENTS = ["Irina Petrova", "Alexei Smirnov", "Maria Ivanova", "Dmitry Orlov", "Elena Sokolova", "Pavel Morozov"]
# The test's own data, the studio's mark (its name's first letter) and the name of the script the page asks
# for, written the same in Russian.
NAMES = ["White Hall", "Loft", "Cyclorama", "Olga Owner", settings.STUDIO_NAME[:1], "JavaScript", *CLIENTS]
STATES = ["pending", "confirmed", "in_progress", "completed", "cancelled", "no_show"]


@pytest.fixture
def board_week(studio):
    """A booking in each column, with notes and every payment status."""
    halls = list(studio.values())
    payments = [PaymentStatus.PENDING, PaymentStatus.DEPOSIT_PAID, PaymentStatus.PAID]
    return {
        state: BookingFactory(space=halls[i % 3], state=state, start=studio_time(1 + i, 10), client_name=CLIENTS[i],
                              payment_status=payments[i % 3], total_price=Decimal("12500.00"),
                              notes="Bring the lights" if i % 2 else "")
        for i, state in enumerate(STATES)
    }


def russian_board(staff_client, owner, **params) -> str:
    response = staff_client(in_russian(owner)).get(reverse("kanban"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_reads_in_russian(staff_client, owner, board_week):
    html = russian_board(staff_client, owner)
    assert english_leaks(html, allowed=NAMES) == []
    assert '<html lang="ru">' in html
    for title in ("Новые · ожидают подтверждения", "Подтверждено", "Идёт съёмка", "Завершено", "Отменено",
                  "Неявка"):
        assert f'<span class="state-dot" aria-hidden="true"></span>{title}</span>' in html
    assert "Доску смотрите только вы" in html and "Переместить…" in html
    # A card: the day and hours on the studio's clock as Russian writes them, hours in «ч», money in roubles.
    booking = board_week["confirmed"]
    card = html[html.index(f'id="card-{booking.pk}"'):]
    card = card[: card.index("</article>")]
    with translation.override("ru"):
        day, price = when(booking.start, "day"), money(booking.total_price)
    assert re.fullmatch(r"[А-Яа-я]{2}, \d{1,2} [а-я]+", day)
    assert f"<span>{day}</span>" in card and "10:00–12:00" in card and "2 ч" in card
    assert price in card and price.endswith("₽")
    assert '<option value="in_progress">Идёт съёмка</option>' in card or '<option value="cancelled">Отменено</option>' in card
    # The words the style sheet shows come from the page.
    assert 'data-empty="Нет бронирований"' in html and 'data-show="Показать"' in html


def test_the_reason_dialog_and_the_filters_read_in_russian(staff_client, owner, board_week, studio):
    html = russian_board(staff_client, owner, space=studio["loft"].pk)
    assert english_leaks(html, allowed=NAMES) == []
    assert "Почему?" in html and "Оставить как было" in html and "Причина сохранится в истории бронирования." in html
    assert "Все залы" in html and "Эта неделя" in html
    assert re.search(r'aria-label="Бронирования с [^"]+ по [^"]+, Loft"', html)


def test_a_board_of_dates_it_cannot_show_says_so_in_russian(staff_client, owner, board_week):
    html = russian_board(staff_client, owner, date_from="2026-12-10", date_to="2026-12-01")
    assert "Эти даты показать нельзя." in html and "Вместо них показана текущая неделя." in html
    assert english_leaks(html, allowed=NAMES) == []


def test_a_move_is_answered_in_russian(staff_client, owner, board_week):
    client = staff_client(in_russian(owner))
    booking = board_week["pending"]
    answer = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed", "version": 1},
                         **JSON).json()
    assert answer["ok"] and answer["message"] == (
        f"{booking.reference} ({booking.client_name}) — теперь в колонке «Подтверждено».")
    assert english_leaks(answer["card"], allowed=NAMES) == []
    reordered = client.post(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed", "version": 2,
                                                     "order": str(booking.pk)}, **JSON).json()
    assert reordered["message"] == "Порядок сохранён."
    unreadable = client.post(reverse("kanban_move"), {"booking": "x", "to": "confirmed"}, **JSON)
    assert unreadable.status_code == 400 and unreadable.json()["message"].startswith("Не удалось прочитать")


def test_a_card_kept_for_an_english_board_is_not_shown_on_a_russian_one(staff_client, owner, admin, board_week):
    """Cards are kept rendered per language: the Russian board never gets the English card of the same
    booking and version."""
    staff_client(admin).get(reverse("kanban"))  # admin's account is in the studio's language, English here
    html = russian_board(staff_client, owner)
    assert english_leaks(html, allowed=[*NAMES, "Anton Admin"]) == []


@pytest.mark.django_db(transaction=True)
def test_a_move_made_in_russian_reaches_the_boards_as_codes_only(staff_client, owner, admin, board_week):
    in_russian(owner)
    booking = board_week["pending"]
    http = staff_client(owner)

    async def scenario():
        sockets = []
        for user in (owner, admin):
            socket = board_socket(await sync_to_async(session_cookie)(user))
            assert (await socket.connect(timeout=10))[0]
            sockets.append(socket)
        for socket in sockets:
            await messages_until_quiet(socket, kinds=("card", "remove", "order", "presence"))
        await sync_to_async(http.post)(reverse("kanban_move"), {"booking": booking.pk, "to": "confirmed",
                                                                "version": 1}, **JSON)
        for socket in sockets:
            received = await messages_until_quiet(socket, kinds=("card", "remove", "order", "presence"))
            cards = [message for message in received if message["type"] == "card"]
            assert cards == [{"type": "card", "id": booking.pk, "state": "confirmed", "version": 2}]
            # Presence lists names, the data of the studio; no message carries a sentence to show.
            for message in received:
                assert set(message) <= {"type", "id", "state", "version", "ids", "names"}
            await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize(("count", "bookings", "hidden"), [
    (1, "1 бронирование", "Показать ещё (скрыта 1 карточка)"),
    (2, "2 бронирования", "Показать ещё (скрыты 2 карточки)"),
    (5, "5 бронирований", "Показать ещё (скрыто 5 карточек)"),
    (11, "11 бронирований", "Показать ещё (скрыто 11 карточек)"),
    (21, "21 бронирование", "Показать ещё (скрыта 21 карточка)"),
    (22, "22 бронирования", "Показать ещё (скрыты 22 карточки)"),
])
def test_column_counts_in_their_russian_plural_forms(count, bookings, hidden):
    column = SimpleNamespace(state="pending", label="Заявки", count=count, revenue=Decimal("1234.50"),
                             hidden=count, more_url="/kanban/?show_pending=50")
    with translation.override("ru"):
        head = render_to_string("kanban/column_head.html", {"column": column})
        foot = render_to_string("kanban/column_foot.html", {"column": column})
        assert f'aria-label="{bookings}"' in head and f"всего <span data-revenue>{money(column.revenue)}</span>" in head
        assert hidden in foot
        column.more_url = ""  # past the most a column shows
        assert f"Ещё {count} карточ" in render_to_string("kanban/column_foot.html", {"column": column})


def test_the_scripts_texts_come_in_russian(staff_client, owner):
    script = staff_client(in_russian(owner)).get(reverse("javascript-catalog")).content.decode()
    catalogue = json.loads(script.split("const newcatalog = ", 1)[1].split(";\n", 1)[0])
    assert catalogue["Only you are viewing"] == "Доску смотрите только вы"
    assert catalogue["Also viewing: %(names)s"] == "Также смотрят: %(names)s"
    assert catalogue["live updates\x04Live"] == "Онлайн"
    assert catalogue["Not moved: a reason is needed."] == "Не перемещено: нужна причина."
    assert catalogue["The booking could not be moved."] == "Не удалось перенести бронирование."


def test_an_english_account_reads_the_board_in_english(staff_client, owner, board_week):
    html = staff_client(owner).get(reverse("kanban")).content.decode()
    assert '<span class="state-dot" aria-hidden="true"></span>New · pending</span>' in html
    assert "Only you are viewing" in html and "Новые" not in html
