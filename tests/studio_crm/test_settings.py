"""Production settings: refuse to start without real secrets, and pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PII_KEYS", "PII_INDEX_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "PII_KEYS": Fernet.generate_key().decode(),
    "PII_INDEX_KEY": secrets.token_hex(32),
    "ALLOWED_HOSTS": "studio.example",
}


def test_production_refuses_to_start_without_secrets():
    result = manage("check", DEBUG="false", ALLOWED_HOSTS="studio.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off" in result.stderr


def test_production_refuses_a_missing_pii_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "PII_KEYS"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "PII_KEYS must be set" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
