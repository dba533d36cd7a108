"""Operations on employees and their sessions. Views, the admin and commands call these."""

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.access import assign_spaces
from bookings.models import Space
from studio_crm.network import client_ip

from .access import can_give_role, can_manage_employee, can_reset_sign_in
from .lockouts import sign_in_failures_clear
from .mfa import mfa_devices_delete
from .models import Employee, EmployeeStatus, Role, StaffSession
from .signals import staff_access_changed_on_commit

log = logging.getLogger("studio.security")

# Temporary passwords are read aloud or copied: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


RESET_REFUSED = _("Only an owner can reset the password or two-step sign-in of an owner or an admin.")
OWNERS_ONLY = _("Only an owner can manage owners.")


class EmployeeActionRefused(ValidationError):
    """An employee operation that the studio's rules do not allow; ``str()`` is the reason shown to the user,
    in the language active when it is read."""

    def __str__(self) -> str:
        return str(self.message)


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _actor(by: Employee | None) -> str:
    """Who acted, for the security log; None is the studio itself (a command or a job)."""
    return by.username if by is not None else "studio"


def _is_self(employee: Employee, by: Employee | None) -> bool:
    return by is not None and employee.pk == by.pk


# --- Sessions ---------------------------------------------------------------------------------------


def staff_session_touch(*, request: HttpRequest, employee: Employee, now: datetime | None = None) -> None:
    """Record that the current session was used (creating its row on first sight).

    Two first requests of one session may arrive together: update_or_create settles on one row.
    """
    key = request.session.session_key
    if not key:
        return
    now = now or timezone.now()
    StaffSession.objects.update_or_create(
        session_key=key,
        defaults={"employee": employee, "last_seen": now},
        create_defaults={
            "employee": employee,
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "ip": client_ip(request),
            "created_at": now,
            "last_seen": now,
        },
    )


def staff_session_rekey(*, old_key: str | None, request: HttpRequest) -> None:
    """Follow the current session to its new key after the key was cycled (e.g. a password change)."""
    if old_key and request.session.session_key and old_key != request.session.session_key:
        StaffSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def staff_sessions_end(*, employee: Employee, keep_key: str | None = None, by: Employee | None) -> int:
    """Sign ``employee`` out of every session except ``keep_key``; returns how many were ended."""
    sessions = StaffSession.objects.filter(employee=employee)
    if keep_key:
        sessions = sessions.exclude(session_key=keep_key)
    keys = list(sessions.values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()
    StaffSession.objects.filter(session_key__in=keys).delete()
    staff_access_changed_on_commit(employee=employee, session_keys=keys)
    if keys:
        log.info("sessions ended employee=%s count=%s by=%s", employee.username, len(keys), _actor(by))
    return len(keys)


def staff_session_revoke(*, staff_session: StaffSession, by: Employee | None) -> None:
    _session_store()(session_key=staff_session.session_key).delete()
    staff_session.delete()
    staff_access_changed_on_commit(employee=staff_session.employee, session_keys=[staff_session.session_key])
    log.info(
        "session revoked employee=%s session=%s by=%s", staff_session.employee.username, staff_session.pk, _actor(by)
    )


def staff_sessions_forget_stale(*, employee: Employee) -> None:
    """Drop rows of sessions that have been idle past the timeout or signed in for longer than a session
    may last: they end on their next request anyway."""
    now = timezone.now()
    idle = now - timedelta(minutes=settings.STAFF_IDLE_TIMEOUT_MINUTES)
    too_old = now - timedelta(hours=settings.STAFF_SESSION_MAX_HOURS)
    stale = StaffSession.objects.filter(Q(last_seen__lt=idle) | Q(created_at__lt=too_old), employee=employee)
    store = _session_store()
    for key in stale.values_list("session_key", flat=True):
        store(session_key=key).delete()
    stale.delete()


# --- Employees --------------------------------------------------------------------------------------


def temporary_password() -> str:
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


def _refuse_unless_allowed(
    *, employee: Employee, by: Employee | None, new_role: str | None = None, rule=can_manage_employee,
    message: str = OWNERS_ONLY,
) -> None:
    """The rules themselves live in employees/access.py, shared with the pages that offer the actions.

    The studio itself (``by`` None) is not bound by the rules of roles.
    """
    if by is None:
        return
    if not rule(by, employee) or (new_role is not None and not can_give_role(by, new_role)):
        raise EmployeeActionRefused(message)


def _refuse_removing_last_owner(employee: Employee) -> None:
    """Call inside a transaction: the active owners are locked, so two owners removing each other at
    the same moment cannot both succeed (the second one waits and then sees the first change)."""
    owners = list(
        Employee.objects.select_for_update()
        .filter(role=Role.OWNER)
        .exclude(status=EmployeeStatus.DEACTIVATED)
        .values_list("pk", flat=True)
    )
    if employee.pk in owners and len(owners) == 1:
        raise EmployeeActionRefused(_("The studio must keep at least one active owner."))


def employee_create(
    *,
    username: str,
    full_name: str,
    email: str,
    role: str,
    spaces: Iterable[Space] = (),
    phone: str = "",
    department: str = "",
    language: str = "",
    by: Employee | None,
) -> tuple[Employee, str]:
    """Invite a new employee; returns them and their temporary password (to be shown once). ``language``
    is that of their pages and messages (blank: the studio's)."""
    _refuse_unless_allowed(employee=Employee(role=role), by=by, new_role=role)
    password = temporary_password()
    with transaction.atomic():
        employee = Employee(
            username=username, full_name=full_name, email=email, role=role, phone=phone,
            department=department, language=language, status=EmployeeStatus.INVITED, must_change_password=True,
        )
        employee.set_password(password)
        employee.save()
        if role == Role.MANAGER:
            assign_spaces(employee, spaces)
    log.info("employee created employee=%s role=%s language=%s by=%s", username, role, language, _actor(by))
    return employee, password


def employee_update(
    *,
    employee: Employee,
    by: Employee | None,
    role: str,
    spaces: Iterable[Space] = (),
    full_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    department: str | None = None,
    language: str | None = None,
) -> Employee:
    """Change an employee's role, assigned spaces (managers) and details; a detail left None keeps its value."""
    _refuse_unless_allowed(employee=employee, by=by, new_role=role)
    if role != employee.role and _is_self(employee, by):
        raise EmployeeActionRefused(_("You cannot change your own role."))
    details = {
        "full_name": full_name, "email": email, "phone": phone, "department": department, "language": language,
    }
    with transaction.atomic():
        old_role = employee.role
        if role != old_role:
            _refuse_removing_last_owner(employee)
        for field, value in details.items():
            if value is not None:
                setattr(employee, field, value)
        employee.role = role
        employee.save()
        # Owners and admins work on every space; only managers hold per-space permissions.
        assign_spaces(employee, spaces if role == Role.MANAGER else [])
    if old_role != role:
        log.info(
            "employee role changed employee=%s from=%s to=%s by=%s", employee.username, old_role, role, _actor(by)
        )
    return employee


def employee_deactivate(*, employee: Employee, by: Employee | None) -> None:
    _refuse_unless_allowed(employee=employee, by=by)
    if _is_self(employee, by):
        raise EmployeeActionRefused(_("You cannot deactivate your own account."))
    with transaction.atomic():
        _refuse_removing_last_owner(employee)
        employee.status = EmployeeStatus.DEACTIVATED
        employee.save(update_fields=["status"])
        ended = staff_sessions_end(employee=employee, by=by)
    log.info("employee deactivated employee=%s sessions_ended=%s by=%s", employee.username, ended, _actor(by))


def employee_reactivate(*, employee: Employee, by: Employee | None) -> None:
    _refuse_unless_allowed(employee=employee, by=by)
    employee.status = EmployeeStatus.ACTIVE
    employee.save(update_fields=["status"])
    log.info("employee reactivated employee=%s by=%s", employee.username, _actor(by))


def employee_reset_mfa(*, employee: Employee, by: Employee | None) -> None:
    """Remove the employee's authenticator and backup codes (a lost phone); they set up again at next sign-in."""
    _refuse_unless_allowed(employee=employee, by=by, rule=can_reset_sign_in, message=RESET_REFUSED)
    with transaction.atomic():
        mfa_devices_delete(employee)
        if not _is_self(employee, by):
            staff_sessions_end(employee=employee, by=by)
    log.info("employee two-factor reset employee=%s by=%s", employee.username, _actor(by))


def employee_unlock(*, employee: Employee, by: Employee | None) -> int:
    """Clear failed sign-in attempts (from every address, and their count per username) so the employee
    can sign in again from anywhere."""
    _refuse_unless_allowed(employee=employee, by=by)
    cleared = sign_in_failures_clear(username=employee.username)
    log.info("employee unlocked employee=%s attempts_cleared=%s by=%s", employee.username, cleared, _actor(by))
    return cleared


def employee_set_temporary_password(*, employee: Employee, by: Employee | None) -> str:
    """Give the employee a new temporary password (to be shown once), to be replaced by one of their own at
    their next sign-in, and end their sessions."""
    _refuse_unless_allowed(employee=employee, by=by, rule=can_reset_sign_in, message=RESET_REFUSED)
    if _is_self(employee, by):
        raise EmployeeActionRefused(_("Change your own password on your account page."))
    password = temporary_password()
    with transaction.atomic():
        employee.set_password(password)
        employee.must_change_password = True
        employee.save(update_fields=["password", "must_change_password"])
        staff_sessions_end(employee=employee, by=by)
    log.info("employee password reset employee=%s by=%s", employee.username, _actor(by))
    return password


def employee_language_set(*, employee: Employee, language: str, by: Employee | None) -> Employee:
    """Set the language of ``employee``'s pages, mail and messages: one of settings.LANGUAGES, or blank for
    the studio's (STUDIO_LANGUAGE, followed if it changes). The audit trail records the change."""
    if language and language not in dict(settings.LANGUAGES):
        raise EmployeeActionRefused(_("Choose one of the languages offered."))
    if not _is_self(employee, by):
        _refuse_unless_allowed(employee=employee, by=by)
    old = employee.language
    if old == language:
        return employee
    employee.language = language
    employee.save(update_fields=["language"])
    log.info("employee language changed employee=%s from=%s to=%s by=%s",
             employee.username, old or "studio", language or "studio", _actor(by))
    return employee
