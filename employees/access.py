"""Role checks for staff views. Object-level checks live beside their models (bookings/access.py)."""

import logging
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from .models import Employee, EmployeeStatus, Role, StaffSession
from .signals import access_denied

log = logging.getLogger("studio.security")


def log_denial(request, what: str) -> None:
    log.warning("denied employee=%s path=%s what=%s", getattr(request.user, "username", None), request.path, what)
    access_denied.send_robust(sender=Employee, request=request, what=what)


def role_required(*roles: Role):
    """Allow only signed-in employees with one of ``roles``; others get 403 and the denial is logged."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                log_denial(request, f"role {request.user.role} not in {[str(r) for r in roles]}")
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def may_follow_live_updates(user, session) -> bool:
    """Whether a websocket may stream studio data to ``user``: an active employee whose session passed
    the second factor with their own device (every role needs one) and who has no temporary password left
    to replace."""
    if user is None or not user.is_authenticated or not user.is_active or user.status != EmployeeStatus.ACTIVE:
        return False
    if user.must_change_password:  # every page but the password page is closed to them: so is live data
        return False
    device_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(device_id) if device_id else None
    return device is not None and device.user_id == user.pk


staff_required = role_required(Role.OWNER, Role.ADMIN, Role.MANAGER)
admin_required = role_required(Role.OWNER, Role.ADMIN)


def can_give_role(actor, role) -> bool:
    """Only owners make owners."""
    return actor.is_owner or role != Role.OWNER


def can_manage_employee(actor, target) -> bool:
    """Owners manage everyone; admins manage everyone but owners; managers manage nobody."""
    if actor.is_owner:
        return True
    return actor.role == Role.ADMIN and target.role != Role.OWNER


def can_reset_sign_in(actor, target) -> bool:
    """Who may give ``target`` a new password or remove their second factor: owners for everyone,
    admins for managers only (an admin could otherwise take over another admin's account)."""
    if actor.is_owner:
        return True
    return actor.role == Role.ADMIN and target.role == Role.MANAGER


def get_employee_for(request, pk, write: bool = False, rule=can_manage_employee) -> Employee:
    """The employee ``pk`` for the employee pages (admins and owners), 404 if missing.

    With ``write`` the signed-in employee must pass ``rule(actor, target)`` (by default: may change
    them): an admin acting on an owner gets 403, and the denial is logged.
    """
    employee = get_object_or_404(Employee, pk=pk)
    if write and not rule(request.user, employee):
        log_denial(request, f"employee {pk} ({employee.role})")
        raise PermissionDenied
    return employee


def get_staff_session_for(request, pk) -> StaffSession:
    """One of the signed-in employee's own sessions; 404 for anyone else's."""
    return get_object_or_404(StaffSession, pk=pk, employee=request.user)
