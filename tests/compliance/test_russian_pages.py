"""The compliance pages and exports as a Russian-speaking owner reads them."""

import csv
import io
import json
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import ngettext

from bookings.models import Booking, BookingState
from bookings.services import booking_transition, booking_update
from compliance.models import DataRequest, RequestKind, RequestSource, SecurityEvent, SecurityKind
from compliance.services import data_request_refuse, policy_publish, retention_run
from studio_crm.formatting import when
from tests.languages import RUSSIAN_BROWSER, in_russian
from tests.languages import english_leaks as all_english_leaks

pytestmark = pytest.mark.django_db

NAMES = ["Irina Petrova", "White Hall", "Loft", "Cyclorama", "Olga Owner", "Anton Admin", "Maria Manager",
         "White backdrop"]
RUSSIAN_POLICY = "## Какие данные мы собираем\n\nИмя и телефон.\n\n## Зачем\n\nЧтобы провести бронирование."


def english_leaks(html: str, allowed=()) -> list[str]:
    """``tests.languages.english_leaks`` but for the staff layout's brand mark (the studio name's initial)."""
    return [word for word in all_english_leaks(html, allowed) if word != settings.STUDIO_NAME[:1]]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def russian_owner(owner):
    return in_russian(owner)


@pytest.fixture
def scene(guest_booking, owner, admin, client):
    """A guest's booking changed by staff, an open request from the guest, an answered one, a refused one, a
    retention run and sign-in events, recorded as a Russian studio records them."""
    with translation.override("ru"):
        return _scene(guest_booking, owner, admin, client)


def _scene(guest_booking, owner, admin, client):
    booking = guest_booking()
    booking = booking_update(booking=booking, version=booking.version, by=admin, notes="Позвонить за день")
    booking = booking_transition(booking=booking, to=BookingState.CONFIRMED, by=admin)
    client.post("/book/lookup/", {"reference": booking.reference, "phone": "+7 916 555-01-37"}, **RUSSIAN_BROWSER)
    client.post(f"/book/lookup/{booking.reference}/my-data/copy/", **RUSSIAN_BROWSER)
    open_request = DataRequest.objects.get()
    refused = DataRequest.objects.create(kind=RequestKind.ERASE, source=RequestSource.STUDIO,
                                         phone_index=booking.client_phone_index)
    data_request_refuse(request=refused, by=owner, reason="Звонил не владелец номера")
    overdue = DataRequest.objects.create(kind=RequestKind.ERASE, source=RequestSource.STUDIO,
                                         phone_index=booking.client_phone_index)
    DataRequest.objects.filter(pk=overdue.pk).update(deadline=date(2026, 1, 5))
    retention_run(days=settings.RETENTION_DAYS, dry_run=True, by=owner)
    SecurityEvent.objects.create(kind=SecurityKind.SIGN_IN, employee=admin, ip="203.0.113.9", path="/login/")
    SecurityEvent.objects.create(kind=SecurityKind.SIGN_IN_FAILED, ip="203.0.113.10", path="/login/")
    policy = policy_publish(version="2027-01", text=RUSSIAN_POLICY, by=owner)
    return {"booking": booking, "open": open_request, "refused": refused, "overdue": overdue, "policy": policy}


PAGES = {
    "home": ("/compliance/", ["Персональные данные", "Найти человека", "Открытые запросы", "Пробный прогон",
                              "просрочен с", "Версия 2027-01 действует с"]),
    "requests": ("/compliance/requests/", ["Запросы субъектов ПД", "3 запроса", "Копия данных", "Гость на сайте",
                                           "Закрыт без исполнения", "просрочен"]),
    "requests overdue": ("/compliance/requests/?status=overdue", ["1 запрос", "Удаление данных"]),
    "consent": ("/compliance/consent/", ["Реестр согласий", "действует", "Предстоящие бронирования по прежним версиям",
                                         "Опубликовать"]),
    "audit": ("/compliance/audit/", ["Журнал действий", "Выгрузить в CSV", "Изменение", "Вход", "Неудачный вход",
                                     "Неизвестный логин", "Подтверждено"]),
    "processing": ("/compliance/processing/", ["Реестр обработки", "зашифровано", "менеджеры (своих залов)",
                                               "Записи журнала действий", "Неудачные попытки входа"]),
}


@pytest.mark.parametrize("name", PAGES)
def test_each_page_reads_russian(name, scene, russian_owner, staff_client):
    path, texts = PAGES[name]
    response = staff_client(russian_owner).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru"' in html
    for text in texts:
        assert text in text_of(html), text
    # The record of processing names the database's own columns and tables beside the words: those are code.
    code = re.findall(r"<code>([^<]+)</code>", html) + ["RETENTION_DAYS", "/login/", "manage.py anonymize_expired"]
    assert english_leaks(html, allowed=[*NAMES, *code, "2027-01", "2026-01"]) == []


def test_a_request_page_open_and_answered_reads_russian(scene, russian_owner, staff_client):
    client = staff_client(russian_owner)
    open_page = client.get(f"/compliance/requests/{scene['open'].pk}/").content.decode()
    for text in ("Копия данных", "Открыт", "Ответить до", "Скачать и отметить исполненным", "Закрыть без исполнения",
                 "Что хранится", "гость получит письмо"):
        assert text in text_of(open_page), text
    refused_page = client.get(f"/compliance/requests/{scene['refused'].pk}/").content.decode()
    assert "Ответ дан" in refused_page and "Звонил не владелец номера" in refused_page
    overdue_page = client.get(f"/compliance/requests/{scene['overdue'].pk}/").content.decode()
    assert "Просрочен: срок ответа — 5 января 2026." in text_of(overdue_page)
    for html in (open_page, refused_page, overdue_page):
        assert english_leaks(html, allowed=[*NAMES, scene["booking"].reference]) == []


def test_a_person_found_reads_russian_with_the_erasure_refusal(scene, russian_owner, staff_client):
    client = staff_client(russian_owner)
    found = client.post("/compliance/person/", {"phone": "+7 916 555-01-37", "email": ""}).content.decode()
    assert "Данные человека" in found and "Впереди ещё 1 бронирование" in text_of(found)
    assert english_leaks(found, allowed=[*NAMES, scene["booking"].reference]) == []
    keys = dict(re.findall(r'name="(phone_index|email_hash)" value="([^"]*)"', found))
    refused = client.post("/compliance/person/erase/", {**keys, "confirm": "on", "reason": ""})
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Впереди ещё" in page or "предстоящие" in page.lower()
    assert english_leaks(page, allowed=[*NAMES, scene["booking"].reference]) == []


def test_the_policy_page_reads_russian(scene, russian_owner, staff_client):
    html = staff_client(russian_owner).get(f"/compliance/consent/{scene['policy'].pk}/").content.decode()
    assert "Политика конфиденциальности 2027-01" in html and "<h2>Какие данные мы собираем</h2>" in html
    assert english_leaks(html, allowed=[*NAMES, "2027-01"]) == []


def test_the_audit_csv_opens_in_russian_excel(scene, russian_owner, staff_client):
    response = staff_client(russian_owner).get("/compliance/audit/export.csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == ["Когда", "Кто", "Событие", "Что", "Запись", "Изменения", "Адрес"]
    assert all(len(row) == 7 for row in rows)
    events = {row[2] for row in rows[1:]}
    assert {"Вход", "Неудачный вход", "изменение"} <= events
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert all(re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", row[0]) for row in rows[1:])
    assert any(row[0].startswith(today) for row in rows[1:])
    changes = {row[5] for row in rows[1:] if row[4] == scene["booking"].reference}
    assert "статус: Ожидает подтверждения → Подтверждено" in changes


def test_the_audit_csv_stays_comma_separated_in_english(scene, owner, staff_client):
    body = b"".join(staff_client(owner).get("/compliance/audit/export.csv").streaming_content).decode()
    assert not body.startswith("\ufeff")
    assert next(csv.reader(io.StringIO(body))) == ["When", "Who", "Event", "What", "Record", "Changes", "Address"]


def test_the_copy_of_a_persons_data_is_in_the_readers_spreadsheet_format(scene, russian_owner, staff_client):
    Booking.objects.filter(pk=scene["booking"].pk).update(total_price=Decimal("1234.50"))
    response = staff_client(russian_owner).post(f"/compliance/requests/{scene['open'].pk}/export/")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    bookings = archive.read("bookings.csv").decode("utf-8")
    assert bookings.startswith("\ufeff")
    header, row = list(csv.reader(io.StringIO(bookings[1:]), delimiter=";"))
    assert header[:5] == ["Номер брони", "Зал", "Начало", "Конец", "Статус"]
    values = dict(zip(header, row, strict=True))
    assert values["Статус"] == "Подтверждено" and values["Итого"] == "1234,50" and values["Источник"] == "Телефон"
    start = timezone.localtime(scene["booking"].start)
    assert values["Начало"] == start.strftime("%d.%m.%Y %H:%M")
    history = list(csv.reader(io.StringIO(archive.read("booking_history.csv").decode("utf-8")[1:]), delimiter=";"))
    assert history[0][:3] == ["Бронирование", "Из статуса", "В статус"]
    messages = next(csv.reader(io.StringIO(archive.read("messages.csv").decode("utf-8")[1:]), delimiter=";"))
    assert "Кому" in messages
    # data.json keeps the stored values, whatever the reader's language.
    data = json.loads(archive.read("data.json"))
    assert data["bookings"][0]["state"] == "confirmed" and data["bookings"][0]["total_price"] == "1234.50"


@pytest.mark.parametrize(("count", "bookings", "cards"), [
    (1, "1 бронирование", "1 карточка клиента"), (2, "2 бронирования", "2 карточки клиентов"),
    (5, "5 бронирований", "5 карточек клиентов"), (11, "11 бронирований", "11 карточек клиентов"),
    (21, "21 бронирование", "21 карточка клиента"), (22, "22 бронирования", "22 карточки клиентов"),
])
def test_counts_read_russian(count, bookings, cards):
    with translation.override("ru"):
        assert ngettext("%(count)s booking", "%(count)s bookings", count) % {"count": count} == bookings
        assert ngettext("%(count)s client card", "%(count)s client cards", count) % {"count": count} == cards


@pytest.mark.parametrize(("days", "words"), [(1, "1 день"), (2, "2 дня"), (5, "5 дней"), (11, "11 дней"),
                                             (21, "21 день"), (22, "22 дня")])
def test_the_retention_period_reads_russian(days, words, russian_owner, staff_client, settings):
    settings.RETENTION_DAYS = days
    page = text_of(staff_client(russian_owner).get("/compliance/processing/").content.decode())
    assert f"Срок хранения: {words} (" in page


def test_the_dry_run_message_reads_russian(russian_owner, staff_client):
    response = staff_client(russian_owner).post("/compliance/retention/dry-run/", follow=True)
    assert "Пробный прогон: будут обезличены 0 бронирований и 0 карточек клиентов. Ничего не изменено." in (
        text_of(response.content.decode()))


def test_a_request_due_soon_shows_its_day_in_russian(guest_booking, russian_owner, staff_client):
    guest_booking()
    request = DataRequest.objects.create(kind=RequestKind.EXPORT, source=RequestSource.STUDIO)
    DataRequest.objects.filter(pk=request.pk).update(deadline=timezone.localdate() + timedelta(days=3))
    with translation.override("ru"):
        day = when(timezone.localdate() + timedelta(days=3), "short")
    assert f"ответить до {day}" in text_of(staff_client(russian_owner).get("/compliance/").content.decode())
