"""The half-finished sign-in: the password was right, the second factor is still to come.

It lives in the session between the password step and the code step, for a few minutes at most,
and ends as soon as the employee's password changes.
"""

import time
from dataclasses import dataclass

from django.utils.crypto import constant_time_compare

from .models import Employee

SESSION_KEY = "studio_pending_sign_in"
LIFETIME_SECONDS = 5 * 60


@dataclass(frozen=True)
class PendingSignIn:
    employee: Employee
    backend: str
    next_url: str


def start(request, *, employee: Employee, next_url: str) -> None:
    """Remember that ``employee`` (as returned by ``authenticate``) gave their password."""
    # A fresh session key for the half-signed-in state; the password hash ties it to this password.
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "id": employee.pk, "backend": employee.backend, "hash": employee.get_session_auth_hash(),
        "at": time.time(), "next": next_url,
    }


def current(request) -> PendingSignIn | None:
    """The sign-in waiting for its code; None when there is none, it expired, or the password changed since."""
    pending = request.session.get(SESSION_KEY)
    if not pending or time.time() - pending["at"] > LIFETIME_SECONDS:
        return None
    employee = Employee.objects.filter(pk=pending["id"], is_active=True).first()
    if employee is None or not constant_time_compare(pending.get("hash", ""), employee.get_session_auth_hash()):
        clear(request)
        return None
    return PendingSignIn(employee=employee, backend=pending["backend"], next_url=pending["next"])


def clear(request) -> None:
    request.session.pop(SESSION_KEY, None)
