import io
import re
from base64 import b32decode
from datetime import datetime, time

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.management.commands.seed_demo import FIRST_NAMES
from bookings.models import Booking, BookingState, Client, Equipment, Space
from employees.mfa import DEMO_TOTP_KEY, mfa_devices_delete
from employees.models import Employee

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_studio_is_alive_and_seeding_twice_adds_nothing():
    afternoon = datetime.combine(timezone.localdate(), time(14, 30), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(afternoon, tick=False):
        output = seed()
    assert "owner / studio-demo-2026" in output
    assert set(Space.objects.values_list("name", flat=True)) == {"White Hall", "Loft", "Cyclorama"}
    assert set(Employee.objects.values_list("username", flat=True)) == {"owner", "admin", "maria", "pavel"}
    bookings = Booking.objects.count()
    assert 200 <= bookings <= 600
    states = set(Booking.objects.values_list("state", flat=True))
    assert states == set(BookingState.values), "every state, a session in progress included"
    with_email = Booking.objects.exclude(client_email="")
    assert with_email.exists() and not with_email.filter(client_email_index="").exists(), "findable by email"
    owner = Employee.objects.get(username="owner")
    assert TOTPDevice.objects.get(user=owner).confirmed
    assert owner.check_password("studio-demo-2026")

    seed()
    assert Booking.objects.count() == bookings
    assert Employee.objects.count() == 4


@pytest.mark.parametrize("username", ["owner", "admin", "maria", "pavel"])
def test_every_demo_employee_signs_in_with_the_printed_key(client, username):
    key = re.search(r"demo key ([A-Z2-7]+)", seed()).group(1)
    code = TOTP(b32decode(key)).token()
    response = client.post("/login/", {"username": username, "password": "studio-demo-2026"}, follow=True)
    response = client.post(response.redirect_chain[-1][0], {"code": f"{code:06d}"}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/dashboard/")


def test_seeding_again_gives_the_demo_key_to_demo_staff_without_an_authenticator():
    seed()
    maria = Employee.objects.get(username="maria")
    mfa_devices_delete(maria)
    seed()
    assert TOTPDevice.objects.get(user=maria, confirmed=True).key == DEMO_TOTP_KEY


def test_the_demo_studio_speaks_the_studios_language(client, settings):
    """By default the studio is Russian: its halls, equipment, staff and clients have Russian names, and the
    sign-in text is printed in Russian with the same key."""
    settings.STUDIO_LANGUAGE = settings.LANGUAGE_CODE = "ru"
    with translation.override("ru"):
        output = seed()
    assert set(Space.objects.values_list("name", flat=True)) == {"Белый зал", "Лофт", "Циклорама"}
    assert set(Space.objects.values_list("slug", flat=True)) == {"white-hall", "loft", "cyclorama"}
    assert "Софтбокс 120 см" in set(Equipment.objects.values_list("name", flat=True))
    assert Employee.objects.get(username="owner").full_name == "Ольга Соколова"
    women = set(FIRST_NAMES["ru"][0])
    for name in Client.objects.values_list("name", flat=True):
        first, last = name.split()
        assert re.fullmatch(r"[А-ЯЁ][а-яё]+", first) and re.fullmatch(r"[А-ЯЁ][а-яё]+", last), name
        assert last.endswith("а") == (first in women), f"{name}: the surname agrees with the person"
    assert "Демо-студия готова" in output and "owner / studio-demo-2026" in output
    assert re.search(r"Создано \d+ бронировани", output)

    key = re.search(r"демо-ключ ([A-Z2-7]+)", output).group(1)
    code = TOTP(b32decode(key)).token()
    response = client.post("/login/", {"username": "maria", "password": "studio-demo-2026"}, follow=True)
    response = client.post(response.redirect_chain[-1][0], {"code": f"{code:06d}"}, follow=True)
    assert response.redirect_chain[-1][0].startswith("/dashboard/")
