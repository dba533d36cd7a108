"""What the compliance commands share: the person they are about (``--phone``, ``--email``), and the owner they
act as (``--by``), refused and logged for anyone else, as the pages refuse them."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from compliance.keys import person_keys
from compliance.models import SecurityEvent, SecurityKind
from compliance.people import Person, person_find


def add_person_arguments(parser) -> None:
    parser.add_argument("--phone", default="", help="The guest's phone, in any common format.")
    parser.add_argument("--email", default="", help="The guest's email.")


def person_named(*, phone: str, email: str) -> Person:
    """Everything held about the guest with this phone and/or email; CommandError when nothing is."""
    try:
        phone_index, email_hash = person_keys(phone=phone, email=email)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    person = person_find(phone_index=phone_index, email_hash=email_hash)
    if not person.found:
        raise CommandError(_("Nothing is held about this person."))
    return person


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
    raise CommandError(_("“%(username)s” is not an active owner: only owners run %(command)s.") % {
        "username": username, "command": command})
