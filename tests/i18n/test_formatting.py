"""One way to write money and dates per language, in pages, messages and spreadsheets alike."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from studio_crm.formatting import money, when
from studio_crm.spreadsheets import sheet_format

NARROW = "\u202f"
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(("language", "value", "expected"), [
    ("ru", Decimal("1234.50"), f"1{NARROW}234,50{NARROW}₽"),
    ("ru", Decimal("12500"), f"12{NARROW}500{NARROW}₽"),
    ("ru", Decimal("-300"), f"−300{NARROW}₽"),
    ("en", Decimal("1234.50"), "₽1,234.50"),
    ("en", 12500, "₽12,500"),
    ("en", "0", "₽0"),
])
def test_money_is_written_as_the_language_writes_it(language, value, expected):
    with translation.override(language):
        assert money(value) == expected


def test_money_in_another_currency_and_nothing_for_no_amount(settings):
    settings.STUDIO_CURRENCY = "EUR"
    with translation.override("ru"):
        assert money(Decimal("99.90")) == f"99,90{NARROW}€"
    assert money(None) == "" and money("not a number") == ""


def test_dates_in_russian_use_the_genitive_month_and_a_24_hour_clock():
    moment = datetime(2026, 12, 1, 17, 0, tzinfo=ZoneInfo("UTC"))  # 20:00 in Moscow
    with translation.override("ru"):
        assert when(moment, "date") == "1 декабря 2026"
        assert when(moment, "datetime") == "1 декабря 2026, 20:00"
        assert when(moment, "time") == "20:00"
        assert when(moment, "day") == "вт, 1 декабря"
        assert when(moment, "day_long") == "вторник, 1 декабря 2026"
        assert when(moment, "short") == "1 дек"
        assert when(date(2026, 12, 1), "month") == "Декабрь 2026"
    with translation.override("en"):
        assert when(moment, "datetime") == "1 Dec 2026, 20:00"
        assert when(moment, "day") == "Tue 1 Dec"
        assert when(moment, "time") == "20:00"  # never "8 p.m."


def test_the_filters_are_in_every_template_without_loading():
    template = Template('{{ amount|money }} · {{ moment|when:"date" }} · {% translate "Bookings" %}')
    moment = datetime(2026, 3, 8, 9, 0, tzinfo=MOSCOW)
    with translation.override("en"):
        assert template.render(Context({"amount": 4000, "moment": moment})) == "₽4,000 · 8 Mar 2026 · Bookings"


def test_a_russian_spreadsheet_opens_in_russian_excel():
    with translation.override("ru"):
        sheet = sheet_format()
        stream = io.StringIO()
        stream.write(sheet.bom)
        sheet.writer(stream).writerow(["Итого", sheet.number(Decimal("1234.5"))])
    text = stream.getvalue()
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")) == [["Итого", "1234,50"]]
    with translation.override("en"):
        assert sheet_format().delimiter == "," and sheet_format().number(Decimal("1234.5")) == "1234.50"
        assert sheet_format().bom == ""
