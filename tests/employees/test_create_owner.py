import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from employees.models import Employee, Role

pytestmark = pytest.mark.django_db


def create_owner(**options):
    out = io.StringIO()
    call_command("create_owner", stdout=out, **options)
    return out.getvalue()


def test_creates_an_owner_with_an_argon2_password():
    output = create_owner(username="olga", email="olga@studio.example", full_name="Olga Sokolova",
                          password="a-long-studio-passphrase")
    owner = Employee.objects.get(username="olga")
    assert owner.role == Role.OWNER and owner.is_superuser and owner.is_staff
    assert owner.check_password("a-long-studio-passphrase")
    assert "Owner olga created" in output


def test_refuses_a_weak_password_and_writes_nothing():
    with pytest.raises(CommandError, match="too short"):
        create_owner(username="olga", email="olga@studio.example", full_name="Olga", password="short")
    assert not Employee.objects.exists()


def test_refuses_a_taken_username(owner):
    with pytest.raises(CommandError, match="already exists"):
        create_owner(username="owner", email="other@studio.example", full_name="Other", password="a-long-passphrase-1")


def test_outside_the_test_suite_passwords_are_hashed_with_argon2():
    """Tests use a fast hasher; the running studio must not."""
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip().endswith("Argon2PasswordHasher"), result.stderr
