"""What the compliance commands share: the owner they act as (``--by``), refused and logged for anyone else,
as the pages refuse them."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from compliance.models import SecurityEvent, SecurityKind


def add_by_argument(parser) -> None:
    parser.add_argument("--by", metavar="USERNAME",
                        help="The owner doing this, recorded as who answered; anyone but an active owner is refused.")


def owner_by(username: str | None, command: str):
    """The active owner ``username``; CommandError, recorded as a refusal, for anyone else."""
    if username is None:
        return None
    employee = get_user_model().objects.filter(username=username).first()
    if employee is not None and employee.is_active and employee.is_owner:
        return employee
    SecurityEvent.objects.create(kind=SecurityKind.DENIED, employee=employee, path=f"manage.py {command}"[:200],
                                 username=employee.username if employee is not None else "",
                                 what="command for owners only")
    raise CommandError(f"{username!r} is not an active owner: only owners run {command}.")
