"""The calendar read in Russian: the day, the week of one hall and of every hall, the month, the booking's summary,
the answers to what staff do there, and the iCal feed in the studio's language."""

import json
import re
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import ngettext
from icalendar import Calendar

from bookings.models import BlockKind, BookingState
from studio_crm.formatting import when
from tests.factories import BookingFactory, CalendarBlockFactory, studio_time
from tests.languages import english_leaks, in_russian

pytestmark = pytest.mark.django_db

CLIENTS = ["Anna Petrova", "Lev Sokolov", "Ivan Sidorov", "Maria Orlova", "Olga Kuznetsova"]
HALLS = ["White Hall", "Loft", "Cyclorama"]
# The test's own data; the halls' initials (the all-halls week heads its lanes with them); the studio's mark and
# time zone; the calendar apps the feed panel names.
NAMES = [*CLIENTS, *HALLS, *(hall[:1] for hall in HALLS), "Olga Owner", settings.STUDIO_NAME[:1],
         settings.TIME_ZONE, "Apple", "Outlook"]
DECEMBER_1 = date(2026, 12, 1)  # a Tuesday


@pytest.fixture
def busy_day(studio):
    """Tomorrow: bookings in several states, a cancelled one, cleanup time, and a closed hall the day after."""
    studio["loft"].cleanup_minutes = 30
    studio["loft"].save()
    made = {
        "confirmed": BookingFactory(space=studio["white"], start=studio_time(1, 10), end=studio_time(1, 13),
                                    state=BookingState.CONFIRMED, client_name="Anna Petrova"),
        "pending": BookingFactory(space=studio["loft"], start=studio_time(1, 12), end=studio_time(1, 14),
                                  client_name="Lev Sokolov"),
        "cancelled": BookingFactory(space=studio["cyclorama"], start=studio_time(1, 9), end=studio_time(1, 11),
                                    state=BookingState.CANCELLED, client_name="Ivan Sidorov"),
        "later": BookingFactory(space=studio["cyclorama"], start=studio_time(1, 15), end=studio_time(1, 19),
                                client_name="Maria Orlova"),
    }
    CalendarBlockFactory(space=studio["loft"], start=studio_time(2, 10), end=studio_time(2, 14),
                         kind=BlockKind.MAINTENANCE, note="Покраска пола")
    return made


def russian_calendar(staff_client, owner, **params):
    response = staff_client(in_russian(owner)).get("/calendar/", params)
    assert response.status_code == 200
    return response


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize("params", [
    {"view": "day"},
    {"view": "week"},
    {"view": "week", "space": "loft"},
    {"view": "month"},
    {"view": "week", "cancelled": "hide"},
], ids=["day", "all-halls-week", "one-hall-week", "month", "week-without-cancelled"])
def test_every_view_reads_in_russian(staff_client, owner, busy_day, params):
    html = russian_calendar(staff_client, owner, date=tomorrow(), **params).content.decode()
    assert english_leaks(html, allowed=NAMES) == []
    assert '<html lang="ru">' in html and "Календарь" in html and "Сегодня" in html


def test_the_week_of_every_hall_explains_its_short_labels_in_russian(staff_client, owner, busy_day):
    html = russian_calendar(staff_client, owner, view="week", date=tomorrow()).content.decode()
    for short, label in (("Заяв.", "Ожидает подтверждения"), ("Подт.", "Подтверждено"), ("Отм.", "Отменено"),
                         ("Неяв.", "Неявка"), ("Закр.", "Закрыто")):
        assert f'<b class="cal-legend-short">{short}</b><span class="cal-key-label">{label}</span>' in html
    assert '<span class="cal-item-short" aria-hidden="true">Заяв.</span>' in html
    assert "Закрыто · Техобслуживание" in html and "Время на уборку" in html


def test_days_weeks_and_months_are_named_as_russian_writes_them(staff_client, owner, studio):
    day = russian_calendar(staff_client, owner, view="day", date=DECEMBER_1.isoformat()).context["grid"]
    week = russian_calendar(staff_client, owner, view="week", date=DECEMBER_1.isoformat(), space="loft")
    month = russian_calendar(staff_client, owner, view="month", date=DECEMBER_1.isoformat()).context["grid"]
    with translation.override("ru"):
        assert day.title == when(DECEMBER_1, "day_long") and day.title.endswith("1 декабря 2026")
        assert day.title.lower() == "вторник, 1 декабря 2026"
        grid = week.context["grid"]
        assert grid.title == "30 ноя – 6 дек 2026"
        tuesday = grid.headers[1]
        assert (tuesday.label.lower(), tuesday.sublabel) == ("вт", "1 дек")
        assert month.title == "Декабрь 2026"
        assert [name.lower() for name in month.weekdays] == ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
    html = week.content.decode()
    assert "Предыдущая неделя" in html and "Следующая неделя" in html and ">Неделя</a>" in html
    # A free hour says which day and hour it books, in Russian.
    assert re.search(r'aria-label="Забронировать: Loft, [А-Яа-я]{2}, \d{1,2} (ноября|декабря), \d\d:00"', html)


def test_hours_beyond_the_booking_horizon_say_why_in_russian(staff_client, owner, studio, settings):
    settings.BOOKING_HORIZON_DAYS = 3
    far = (timezone.localdate() + timedelta(days=5)).isoformat()
    html = russian_calendar(staff_client, owner, view="day", date=far, space="white").content.decode()
    assert "Серые часы в рабочее время забронировать нельзя" in html
    assert english_leaks(html, allowed=NAMES) == []


def test_a_booking_s_summary_reads_in_russian(staff_client, owner, busy_day):
    client = staff_client(in_russian(owner))
    booking = busy_day["pending"]
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = client.get(f"/calendar/bookings/{booking.pk}/", **headers).content.decode()
        assert english_leaks(html, allowed=NAMES) == []
        assert "2 часа" in html and "Изменить время или зал" in html and "Перенести бронь" in html
        with translation.override("ru"):
            assert when(booking.start, "day_long") in html


def test_what_staff_do_on_the_calendar_is_answered_in_russian(staff_client, owner, busy_day):
    client = staff_client(in_russian(owner))
    booking = busy_day["pending"]
    confirmed = client.post(f"/calendar/bookings/{booking.pk}/transition/", {"to": "confirmed", "version": 1},
                            HTTP_HX_REQUEST="true")
    assert json.loads(confirmed["HX-Trigger"])["toast"]["message"] == f"Бронь {booking.reference} подтверждена."
    unreadable = client.post(f"/calendar/bookings/{booking.pk}/transition/", {"to": "nowhere"})
    assert "Выберите, что сделать с бронированием." in unreadable.content.decode()
    start = timezone.localtime(studio_time(3, 16)).strftime("%Y-%m-%dT%H:%M")
    moved = client.post(f"/calendar/bookings/{booking.pk}/move/", {"version": 2, "space": "white", "start": start})
    assert moved.status_code == 302
    page = client.get(moved["Location"]).content.decode()
    assert f"Бронь {booking.reference} перенесена: White Hall" in page
    wrong = client.post("/calendar/blocks/", {"space": "white", "start": start, "end": start, "kind": "maintenance"})
    assert "Окончание должно быть позже начала." in wrong.content.decode(), wrong.context["block_form"].errors


@pytest.mark.parametrize(("count", "hours", "active", "spaces"), [
    (1, "1 час", "1 активное бронирование", "1 зала"),
    (2, "2 часа", "2 активных бронирования", "2 залов"),
    (5, "5 часов", "5 активных бронирований", "5 залов"),
    (11, "11 часов", "11 активных бронирований", "11 залов"),
    (21, "21 час", "21 активное бронирование", "21 зала"),
    (22, "22 часа", "22 активных бронирования", "22 залов"),
])
def test_counts_on_the_calendar_in_their_russian_plural_forms(count, hours, active, spaces):
    with translation.override("ru"):
        assert ngettext("%(counter)s hour", "%(counter)s hours", count) % {"counter": count} == hours
        assert ngettext("%(counter)s active booking in %(month)s.", "%(counter)s active bookings in %(month)s.",
                        count) % {"counter": count, "month": "Декабрь 2026"} == f"Декабрь 2026: {active}."
        across = ngettext("Utilisation is booked hours as a share of opening hours across %(counter)s space.",
                          "Utilisation is booked hours as a share of opening hours across %(counter)s spaces.",
                          count) % {"counter": count}
        assert across.endswith(f" {spaces}.")


def test_the_month_counts_its_bookings_in_russian(staff_client, owner, busy_day):
    html = russian_calendar(staff_client, owner, view="month", date=tomorrow()).content.decode()
    assert "активн" in html and "от часов работы 3 залов." in html


def test_the_ical_feed_is_in_the_studio_s_language_whoever_asks(staff_client, owner, busy_day, settings):
    settings.STUDIO_LANGUAGE = "ru"
    owner.language = "en"
    owner.save(update_fields=["language"])
    client = staff_client(owner)  # the account reads English; the feed follows the studio
    client.post("/calendar/feeds/", {"space": ""})
    feed = owner.calendar_feeds.get()
    calendar = Calendar.from_ical(client.get(f"/calendar/ical/{feed.token}.ics").content)
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    booking = busy_day["confirmed"]
    described = str(events[f"{booking.reference}@studio-crm"]["description"])
    assert described.startswith(f"Номер брони: {booking.reference}\nСтатус: ")
    assert str(calendar["x-wr-calname"]) == "Бронирования студии"
    [block] = [event for uid, event in events.items() if uid.startswith("block-")]
    assert str(block["summary"]) == "Loft: закрыто на техобслуживание"

    settings.STUDIO_LANGUAGE = "en"
    english = Calendar.from_ical(client.get(f"/calendar/ical/{feed.token}.ics", HTTP_ACCEPT_LANGUAGE="ru").content)
    [block] = [event for event in english.walk("VEVENT") if str(event["uid"]).startswith("block-")]
    assert str(block["summary"]) == "Loft: closed for maintenance"
