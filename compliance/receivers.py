"""Listens to sign-ins, refusals, the audit trail and its own answered requests. Connected in
ComplianceConfig.ready()."""

import re

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model

from bookings.pii import HIDDEN
from studio_crm.network import client_ip

from . import notices
from .models import SecurityEvent, SecurityKind

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _employee(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


def _record(kind: str, request, *, employee=None, username: str = "", what: str = "") -> None:
    SecurityEvent.objects.create(
        kind=kind, employee=employee, username=employee.username if employee is not None else "",
        ip=client_ip(request), path=(getattr(request, "path", "") or "")[:200], what=what[:200])


def signed_in(sender, request, user, **kwargs):
    _record(SecurityKind.SIGN_IN, request, employee=user)


def sign_in_failed(sender, credentials, request=None, **kwargs):
    """Only a username that is an employee's is kept: what was typed may be anyone's phone or email."""
    _record(SecurityKind.SIGN_IN_FAILED, request, employee=_employee(credentials.get("username")))


def locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    _record(SecurityKind.LOCKED_OUT, request, employee=_employee(username))


def access_denied(sender, request, what, **kwargs):
    user = getattr(request, "user", None)
    _record(SecurityKind.DENIED, request, employee=user if getattr(user, "is_authenticated", False) else None,
            what=what)


def without_contact_details(text: str) -> str:
    """``text`` with every phone number and email address in it replaced by [hidden]."""
    if not isinstance(text, str) or not (EMAIL.search(text) or sum(c.isdigit() for c in text) >= 7):
        return text
    text = EMAIL.sub(HIDDEN, text)
    for match in reversed(list(phonenumbers.PhoneNumberMatcher(text, settings.PHONE_DEFAULT_REGION))):
        text = text[:match.start] + HIDDEN + text[match.end:]
    return text


def audit_entry_without_contact_details(sender, instance, raw=False, **kwargs):
    """Free text in the audit trail (notes, requirements, reasons) keeps no phone or email either: masking
    covers the phone and email fields, not a number someone typed into a note."""
    if raw or not isinstance(instance.changes, dict):
        return
    instance.changes = {name: [without_contact_details(value) for value in values]
                        if isinstance(values, list | tuple) else values for name, values in instance.changes.items()}
    instance.object_repr = without_contact_details(instance.object_repr)


def data_request_completed(sender, request, email, **kwargs):
    """Tell the guest who asked online, through the outbox, in the answer's transaction."""
    notices.data_request_notice(request, email)
