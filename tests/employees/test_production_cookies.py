"""In production the studio's cookies carry the __Host- prefix: the browser keeps them for this host only,
sent over HTTPS, for the whole site, and no subdomain can set them."""

import json
import os
import secrets
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path

from asgiref.sync import async_to_sync
from cryptography.fernet import Fernet
from django.test import override_settings

from tests.live import board_socket, closed_with
from tests.signing_in import session_cookie

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "PII_KEYS": Fernet.generate_key().decode(),
    "PII_INDEX_KEY": secrets.token_hex(32),
    "ALLOWED_HOSTS": "testserver",
}
# An employee signs in over HTTPS in a production process: the sign-in page, the password, the code.
SIGN_IN = """
import json, re
import django
django.setup()
from django.core.management import call_command
from django.test import Client, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from employees.models import Employee, Role
from tests.signing_in import totp_code

call_command("migrate", verbosity=0)
owner = Employee.objects.create_user(username="owner", email="o@studio.test", full_name="O", role=Role.OWNER,
                                     password="correct-horse-battery")
device = TOTPDevice.objects.create(user=owner, name="Phone", confirmed=True)
browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="https://testserver")
set_cookies = []
# The manifest of static files comes from collectstatic, which is not part of this check.
with override_settings(STORAGES={"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
    page = browser.get("/login/", secure=True)
    set_cookies += [morsel.output(header="") for morsel in page.cookies.values()]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    answers = [page.status_code]
    for path, data in [("/login/", {"username": "owner", "password": "correct-horse-battery"}),
                       ("/login/code/", {"code": totp_code(device)})]:
        response = browser.post(path, {"csrfmiddlewaretoken": token, **data}, secure=True)
        answers.append((response.status_code, response.get("Location")))
        set_cookies += [morsel.output(header="") for morsel in response.cookies.values()]
    answers.append(browser.get("/dashboard/", secure=True).status_code)
print(json.dumps({"answers": answers, "set_cookies": set_cookies}))
"""


def sign_in_in_production(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PII_KEYS", "PII_INDEX_KEY", "DEBUG", "REDIS_URL"}}
    env.update(PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path / 'studio.sqlite3'}", DJANGO_SETTINGS_MODULE="studio_crm.settings")
    result = subprocess.run([sys.executable, "-c", SIGN_IN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_carry_the_host_prefix(tmp_path):
    signed_in = sign_in_in_production(tmp_path)
    assert signed_in["answers"] == [200, [302, "/login/code/"], [302, "/dashboard/"], 200]
    cookies = {}
    for header in signed_in["set_cookies"]:
        for name, morsel in SimpleCookie(header).items():
            cookies[name] = morsel
    assert {"__Host-sessionid", "__Host-csrftoken", "__Host-studio_device"} <= set(cookies)
    assert not {"sessionid", "csrftoken", "studio_device"} & set(cookies)
    for name in ("__Host-sessionid", "__Host-csrftoken", "__Host-studio_device"):
        morsel = cookies[name]
        assert morsel["secure"] and morsel["path"] == "/" and not morsel["domain"], name


@override_settings(SESSION_COOKIE_NAME="__Host-sessionid")
def test_live_updates_admit_a_session_under_the_production_cookie_name(transactional_db, owner):
    async def connects(cookie):
        socket = board_socket(cookie)
        connected, _ = await socket.connect()
        admitted = connected and await closed_with(socket) is None
        await socket.disconnect()
        return admitted

    cookie = session_cookie(owner)
    assert cookie.startswith("__Host-sessionid=")
    assert async_to_sync(connects)(cookie)
    assert not async_to_sync(connects)(cookie.replace("__Host-sessionid", "sessionid"))
