"""The staff shell in Russian: sign-in (in the browser's language until signed in, then the account's), the
account and its language, sessions, the employee pages and the error pages, with no English left on them."""

import json
import re
import time
from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.access import assign_spaces
from employees.mfa import new_backup_codes
from employees.models import Employee, Role, StaffSession
from employees.templatetags.employees_tags import ago, duration
from employees.useragents import device_label
from studio_crm import errors
from studio_crm.middleware import database_busy_response
from tests.factories import EmployeeFactory
from tests.languages import RUSSIAN_BROWSER, english_leaks, in_russian

from .conftest import PASSWORD, backup_code, enter_code, sign_in

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"
# The test's own data and the names of things, which a Russian page writes as they are.
NAMES = ["White Hall", "Loft", "Cyclorama", "olga", "maria", "anton", "Google Authenticator",
         "Microsoft Authenticator", "Aegis", "iPhone", "Safari", "Chrome", "Android", "Windows"]


def leaks(html: str) -> list[str]:
    # The brand's mark is the first letter of the studio's name, drawn as a logo.
    html = re.sub(r'<span class="brand-mark"[^>]*>[^<]*</span>', "", html)
    return english_leaks(html, allowed=NAMES)


@pytest.fixture
def people(studio):
    """An owner whose account is in Russian, a manager of two halls and an admin, with Russian names."""
    olga = in_russian(EmployeeFactory(username="olga", full_name="Ольга Соколова", role=Role.OWNER,
                                      department="Руководство"))
    maria = EmployeeFactory(username="maria", full_name="Мария Ким", role=Role.MANAGER, phone="+7 916 123-45-67")
    assign_spaces(maria, [studio["white"], studio["loft"]])
    anton = EmployeeFactory(username="anton", full_name="Антон Белов", role=Role.ADMIN)
    return {"olga": olga, "maria": maria, "anton": anton}


@pytest.fixture
def reader(staff_client, people):
    """The owner, in Russian, signed in; one more session of hers elsewhere."""
    StaffSession.objects.create(employee=people["olga"], session_key="elsewhere", ip="192.0.2.10", user_agent=IPHONE)
    return staff_client(people["olga"])


def read(client, url, status=200, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- Before signing in: the browser's language ------------------------------------------------------


def test_the_sign_in_page_follows_the_browsers_language(client, db):
    html = read(client, "/login/", **RUSSIAN_BROWSER)
    assert '<html lang="ru">' in html
    assert leaks(html) == []
    assert "Логин или электронная почта" in html and "Продолжить" in html and "Вход для сотрудников" in html

    english = read(Client(), "/login/", **ENGLISH_BROWSER)
    assert '<html lang="en">' in english and "Username or email" in english


def test_without_a_browser_language_the_sign_in_page_is_in_the_studios(client, db, settings):
    settings.STUDIO_LANGUAGE = settings.LANGUAGE_CODE = "ru"
    html = read(client, "/login/")
    assert '<html lang="ru">' in html and "Вход" in html


def test_the_sign_in_page_offers_the_other_language(client, db):
    html = read(client, "/login/", **RUSSIAN_BROWSER)
    assert 'action="/i18n/setlang/"' in html and 'lang="en"' in html
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"}, **RUSSIAN_BROWSER)
    assert switched.status_code == 302
    assert "Username or email" in read(client, "/login/", **RUSSIAN_BROWSER)


def test_a_wrong_password_is_refused_in_russian(client, people):
    response = sign_in(client, "olga", password="not-the-password", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert response.status_code == 400 and "Неверный логин или пароль." in html
    assert leaks(html) == []


def test_the_code_step_is_in_the_browsers_language(client, people):
    employee = people["maria"]  # her account is in the studio's language; the browser says Russian
    backup_code(employee)
    assert sign_in(client, "maria", **RUSSIAN_BROWSER).status_code == 302
    html = read(client, "/login/code/", **RUSSIAN_BROWSER)
    assert leaks(html) == []
    assert "Вход как <strong>Мария Ким</strong>" in html and "Проверить и войти" in html

    wrong = client.post("/login/code/", {"code": "000000"}, REMOTE_ADDR="10.0.0.1", **RUSSIAN_BROWSER)
    assert wrong.status_code == 400 and "Код не подошёл или уже использован" in wrong.content.decode()


def test_the_lockout_page_in_russian(client, people):
    for _ in range(5):
        sign_in(client, "maria", password="not-the-password", HTTP_ACCEPT_LANGUAGE="ru")
    locked = sign_in(client, "maria", HTTP_ACCEPT_LANGUAGE="ru")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert leaks(html) == []
    assert "Вход приостановлен" in html and "5 неудачных попыток входа" in html and "1 час" in html


def test_signed_in_the_pages_follow_the_account_not_the_browser(client, people):
    olga = people["olga"]
    olga.language = "en"
    olga.save(update_fields=["language"])
    code = backup_code(olga)
    sign_in(client, "olga", **RUSSIAN_BROWSER)
    assert "Проверить и войти" in read(client, "/login/code/", **RUSSIAN_BROWSER)  # not signed in yet: a guest
    enter_code(client, code)
    html = read(client, "/dashboard/", **RUSSIAN_BROWSER)
    assert '<html lang="en">' in html and "Dashboard" in html
    # "You used a backup code": said in the account's language, on the page it is read on.
    assert "You used a backup code" in html

    client.post("/logout/", **RUSSIAN_BROWSER)
    after = read(client, "/login/", **RUSSIAN_BROWSER)
    assert '<html lang="ru">' in after and "Вы вышли из аккаунта." in after


# --- The account and its language -------------------------------------------------------------------


def test_the_account_page_in_russian(reader, people):
    html = read(reader, "/account/")
    assert '<html lang="ru">' in html
    assert leaks(html) == []
    for text in ("Ваш аккаунт", "Имя и фамилия", "Сохранить профиль", "Текущий пароль", "Двухфакторный вход",
                 "Язык", "Язык студии", "Сохранить язык", "2 устройства", "Владелец", "Сотрудники", "Сводка"):
        assert text in html, text
    # Each language is named in itself, and said to be.
    assert '<label class="checkbox" lang="en">' in html and "English" in html and "Русский" in html


def test_choosing_english_switches_the_pages_at_once(reader, people, settings):
    settings.STUDIO_LANGUAGE = settings.LANGUAGE_CODE = "ru"
    olga = people["olga"]
    response = reader.post("/account/language/", {"language": "en"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    olga.refresh_from_db()
    assert olga.language == "en"

    account = read(reader, "/account/")
    assert '<html lang="en">' in account and "Your pages are now in this language." in account
    dashboard = read(reader, "/dashboard/", **RUSSIAN_BROWSER)
    assert '<html lang="en">' in dashboard and "Dashboard" in dashboard and "Сводка" not in dashboard

    # Blank: the studio's language, whatever it is.
    reader.post("/account/language/", {"language": ""})
    olga.refresh_from_db()
    assert olga.language == ""
    html = read(reader, "/dashboard/", **ENGLISH_BROWSER)
    assert '<html lang="ru">' in html and "Сводка" in html
    assert "Язык интерфейса сохранён." in html


def test_a_change_of_language_is_on_the_audit_trail(reader, people):
    olga = people["olga"]
    before = LogEntry.objects.get_for_object(olga).count()
    reader.post("/account/language/", {"language": "en"})
    entries = LogEntry.objects.get_for_object(olga)
    assert entries.count() == before + 1
    entry = entries.latest("timestamp")
    assert entry.actor_id == olga.pk and entry.changes_dict["language"] == ["ru", "en"]


def test_a_language_not_offered_is_refused(reader, people):
    response = reader.post("/account/language/", {"language": "de"})
    assert response.status_code == 400
    assert "Выберите корректный вариант" in response.content.decode()
    people["olga"].refresh_from_db()
    assert people["olga"].language == "ru"


def test_the_two_step_page_in_russian_while_setting_up_and_when_on(staff_client, people):
    maria = in_russian(people["maria"])
    client = staff_client(maria)
    TOTPDevice.objects.filter(user=maria).delete()  # the signed-in client's device: none confirmed now
    setting_up = read(client, "/account/mfa/")
    assert leaks(setting_up) == []
    assert "Настройка приложения-аутентификатора" in setting_up and "Подтвердить" in setting_up

    TOTPDevice.objects.create(user=maria, name="Authenticator app", confirmed=True)
    new_backup_codes(maria)
    html = read(staff_client(maria), "/account/mfa/")
    assert leaks(html) == []
    assert "Включён" in html and "осталось 10" in html and "Создаёт 10 новых кодов" in html
    assert "Authenticator app" not in html  # the stored device name is not the page's language


def test_the_sessions_page_in_russian(reader, people):
    html = read(reader, "/account/sessions/")
    assert leaks(html) == []
    assert "Ваши сеансы" in html and "Safari на iPhone" in html and "Этот сеанс" in html
    assert 'data-label="Устройство"' in html and "Выйти на других устройствах" in html

    response = reader.post("/account/sessions/others/revoke/")
    assert response.status_code == 302
    assert "Завершён 1 другой сеанс." in read(reader, "/account/sessions/")


# --- The employee pages -----------------------------------------------------------------------------


def test_the_employee_list_in_russian(reader, people):
    html = read(reader, "/employees/")
    assert leaks(html) == []
    for text in ("Сотрудники", "Добавить сотрудника", "Все роли", "Все статусы", "Администратор", "Менеджер",
                 "Активен", "Второй фактор", "Последняя активность", 'data-label="Роль"'):
        assert text in html, text


def test_an_employees_page_in_russian(reader, people):
    maria = people["maria"]
    html = read(reader, f"/employees/{maria.pk}/")
    assert leaks(html) == []
    for text in ("Данные и доступ", "Залы (для менеджеров)", "Сохранить изменения", "Временный пароль",
                 "Отключить", "Язык студии", "Журнал действий"):
        assert text in html, text

    done = reader.post(f"/employees/{maria.pk}/deactivate/")
    assert done.status_code == 302
    after = read(reader, f"/employees/{maria.pk}/")
    assert "Мария Ким: аккаунт отключён, все сеансы завершены." in after and "Отключён" in after


def test_a_new_employee_page_in_russian_and_the_language_set_by_the_owner(reader, people, studio):
    html = read(reader, "/employees/new/")
    assert leaks(html) == []
    assert "Добавить сотрудника" in html and "Отмена" in html and "Язык" in html

    refused = reader.post("/employees/new/", {"username": "ivan", "full_name": "Иван", "email": "ivan@studio.test",
                                              "role": "manager", "language": "en"})
    assert refused.status_code == 400 and "Выберите хотя бы один зал для менеджера." in refused.content.decode()

    created = reader.post("/employees/new/", {
        "username": "ivan", "full_name": "Иван Орлов", "email": "ivan@studio.test", "role": "manager",
        "spaces": [studio["white"].pk], "language": "en",
    })
    assert created.status_code == 200
    assert "Иван Орлов: сотрудник добавлен и может войти с временным паролем ниже." in created.content.decode()
    assert Employee.objects.get(username="ivan").language == "en"


def test_a_refusal_of_the_rules_in_russian(staff_client, people, studio):
    anton = in_russian(people["anton"])
    response = staff_client(anton).post(f"/employees/{anton.pk}/", {
        "full_name": "Антон Белов", "email": anton.email, "role": "manager", "phone": "", "department": "",
        "spaces": [studio["white"].pk], "language": "ru",
    })
    assert response.status_code == 409
    assert "Свою роль изменить нельзя." in response.content.decode()


# --- Error pages ------------------------------------------------------------------------------------


def test_the_403_and_404_pages_in_russian(staff_client, people):
    maria = in_russian(people["maria"])
    client = staff_client(maria)
    denied = read(client, "/employees/", status=403)
    assert leaks(denied) == []
    assert "Нет доступа" in denied and "Перейти к сводке" in denied and "Назад" in denied

    missing = read(staff_client(people["olga"]), "/employees/999999/", status=404)
    assert leaks(missing) == []
    assert "Страница не найдена" in missing


def test_a_guest_reads_the_404_in_the_browsers_language(client, db):
    html = read(client, "/no-such-page/", status=404, **RUSSIAN_BROWSER)
    assert "Страница не найдена" in html and "Вход для сотрудников" in html
    assert leaks(html) == []


def test_the_400_pages_in_russian(client, people):
    refused = client.get("/login/?next=%00", **RUSSIAN_BROWSER)
    assert refused.status_code == 400
    assert refused.content.decode() == "В адресе или в форме есть недопустимые символы."
    api = client.get("/api/v1/availability?space=%01", **RUSSIAN_BROWSER)
    assert api.json()["error"] == {"code": "invalid_query", "message": "В адресе или в форме есть недопустимые символы."}

    request = RequestFactory().get("/bookings/", **RUSSIAN_BROWSER)
    request.user = in_russian(people["maria"])
    with translation.override("ru"):
        page = errors.bad_request(request).content.decode()
    assert leaks(page) == [] and "Некорректный запрос" in page


def test_the_busy_answer_is_in_the_language_asked_for(db):
    request = RequestFactory().get("/book/", **RUSSIAN_BROWSER)
    page = errors.service_unavailable(request, retry_after=5)
    assert page.status_code == 503 and page["Retry-After"] == "5"
    html = page.content.decode()
    assert "Сейчас слишком много запросов" in html and leaks(html) == []

    api = database_busy_response(RequestFactory().get("/api/v1/availability", **RUSSIAN_BROWSER))
    assert api.status_code == 503
    assert "Попробуйте ещё раз через несколько секунд" in json.loads(api.content)["error"]["message"]


# --- The words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "hours", "devices", "sessions"), [
    (1, "1 час", "1 устройство", "Завершён 1 другой сеанс."),
    (2, "2 часа", "2 устройства", "Завершены 2 других сеанса."),
    (5, "5 часов", "5 устройств", "Завершено 5 других сеансов."),
    (11, "11 часов", "11 устройств", "Завершено 11 других сеансов."),
    (21, "21 час", "21 устройство", "Завершён 21 другой сеанс."),
    (22, "22 часа", "22 устройства", "Завершены 22 других сеанса."),
])
def test_counts_have_their_russian_plural(count, hours, devices, sessions):
    with translation.override("ru"):
        assert duration(timedelta(hours=count)) == hours
        assert ngettext("%(counter)s device", "%(counter)s devices", count) % {"counter": count} == devices
        assert ngettext("Signed out of %(count)d other session.", "Signed out of %(count)d other sessions.",
                        count) % {"count": count} == sessions


def test_times_and_devices_in_russian():
    now = timezone.now()
    with translation.override("ru"):
        assert ago(now - timedelta(minutes=5)) == "5\xa0минут назад"
        assert ago(now) == "только что" and ago(None) == "Никогда"
        assert duration(timedelta(minutes=90)) == "1 час 30 минут"
        assert device_label("Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile") == "Chrome на Android"
        assert device_label("Mozilla/5.0 (Windows NT 10.0) YaBrowser/24.4 Chrome/122.0") == "Яндекс Браузер на Windows"
        assert device_label("") == "Неизвестное устройство"
        assert gettext("Dashboard") == "Сводка"


def test_the_scripts_read_their_texts_in_the_accounts_language(reader):
    catalogue = read(reader, "/jsi18n/?language=ru")
    assert "\\u0417\\u0430\\u043a\\u0440\\u044b\\u0442\\u044c" in catalogue or "Закрыть" in catalogue  # Dismiss
    page = read(reader, "/account/")
    assert 'src="/jsi18n/?language=ru"' in page


def test_backup_code_sign_in_warns_in_the_accounts_language(client, people):
    olga = people["olga"]
    StaticDevice.objects.filter(user=olga).delete()
    new_backup_codes(olga)
    code = backup_code(olga)
    sign_in(client, "olga", password=PASSWORD, **ENGLISH_BROWSER)
    enter_code(client, code)
    html = read(client, "/dashboard/", **ENGLISH_BROWSER)
    assert '<html lang="ru">' in html and "Вы вошли по резервному коду; осталось 10 кодов." in html


def test_the_django_admin_of_employees_in_russian(reader, people):
    maria = people["maria"]
    for url in ("/admin/employees/employee/", f"/admin/employees/employee/{maria.pk}/change/",
                "/admin/employees/employee/add/"):
        # Django's own search box has an untranslated alt="Search" on its magnifier icon.
        html = read(reader, url).replace('alt="Search"', 'alt=""')
        html = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "", html)  # employee IDs
        html = re.sub(r"<bdi>[^<]*</bdi>", "", html)  # the password hash's algorithm and salt
        assert leaks(html) == [], url
    change = read(reader, f"/admin/employees/employee/{maria.pk}/change/")
    assert "Личные данные" in change and "Доступ" in change and "Язык" in change and "Менеджер" in change


def test_the_sign_out_after_a_long_session_is_said_on_the_sign_in_page_in_its_language(staff_client, people, settings):
    settings.STAFF_SESSION_MAX_HOURS = 2
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 24 * 60  # busy, not idle
    client = staff_client(people["olga"])
    assert client.get("/account/", **RUSSIAN_BROWSER).status_code == 200
    with time_machine.travel(time.time() + 2 * 3600 + 60, tick=False):
        response = client.get("/account/", **RUSSIAN_BROWSER)
    assert response.status_code == 302
    page = read(client, "/login/", **RUSSIAN_BROWSER)
    assert "Сеанс завершён через 2 часа после входа. Войдите снова, чтобы продолжить." in page
    assert leaks(page) == []
