"""Events of the employees app, for what is kept open on an employee's behalf (the live pages' websockets).

Sent after the transaction commits; receivers must not raise into the sender. Signing out is Django's own
``user_logged_out``.
"""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

from .models import Employee

# What an employee may follow has changed: some of their sessions ended (revoked, signed out everywhere
# else, deactivated, a new password), or their spaces changed. Arguments: employee (Employee),
# session_keys (list of the keys of the sessions that ended, or None: check every session of the
# employee again, as at sign-in).
staff_access_changed = Signal()

# An employee was refused a page or an object (employees.access.log_denial). Arguments: request, what (str:
# what was refused, e.g. "booking 12 of space 3"). Sent at once; the audit trail records it.
access_denied = Signal()


def staff_access_changed_on_commit(*, employee: Employee, session_keys: Iterable[str] | None = None) -> None:
    """Send ``staff_access_changed`` once the current transaction commits (at once outside one)."""
    keys = None if session_keys is None else list(session_keys)
    if keys == []:
        return  # no session ended: nothing to tell
    transaction.on_commit(
        lambda: staff_access_changed.send(sender=Employee, employee=employee, session_keys=keys), robust=True
    )
