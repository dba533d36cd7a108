"""Operations of compliance: retention runs, data-subject requests (export, erasure, refusal), privacy-policy
versions. Views, commands and the daily job call these; each takes the acting owner as ``by`` and refuses
anyone else (``by`` is None only from a shell or the scheduler)."""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.exports import exports_discard
from bookings.models import ACTIVE_STATES, BookingState
from bookings.services import booking_transition

from . import retention
from .caches import cache_forget
from .consent import policy_version_forget
from .errors import ErasureRefused
from .exports import person_data, person_zip
from .models import DataRequest, PolicyVersion, RequestKind, RequestSource, RequestStatus, RetentionRun
from .notices import notices_forget
from .people import Person, person_find
from .signals import data_request_completed

if TYPE_CHECKING:
    from employees.models import Employee

log = logging.getLogger("studio.compliance")
CANCELLABLE = (BookingState.PENDING, BookingState.CONFIRMED)


def require_owner(by: "Employee | None") -> None:
    """Only an active owner acts here. None is the command line or the scheduler: whoever runs those holds
    the server already (the pages always pass the signed-in employee)."""
    if by is not None and not (by.is_active and by.is_owner):
        raise PermissionDenied(_("Only owners handle personal data requests and retention."))


# --- Retention ---------------------------------------------------------------------------------------


def _previous_cutoff(cutoff: datetime) -> datetime | None:
    """The cutoff of the last finished real run at or before ``cutoff``: audit entries before it are done."""
    return (RetentionRun.objects.filter(dry_run=False, finished_at__isnull=False, cutoff__lte=cutoff)
            .order_by("-cutoff").values_list("cutoff", flat=True).first())


def _preview(cutoff: datetime, since: datetime | None) -> dict[str, int]:
    return {"bookings": retention.expired_bookings(cutoff).count(),
            "clients": retention.clients_to_remove(cutoff).count(),
            "notifications": retention.expired_notifications(cutoff).count(),
            "audit_entries": retention.expired_entries(cutoff, since).count(),
            "security_events": retention.expired_security_events(cutoff).count()}


def _anonymise(cutoff: datetime, since: datetime | None) -> dict[str, int]:
    # Messages first: those of expired bookings are then counted here, not cleared unseen with their booking.
    # Audit entries before the bookings: the bookings' older entries are then cleaned once, by the sweep.
    notifications = retention.clear_expired_notifications(cutoff)
    entries = retention.clear_expired_entries(cutoff, since)
    bookings, clients = retention.anonymise_expired_bookings(cutoff)
    notices_forget()
    return {"notifications": notifications, "bookings": bookings,
            "clients": clients + retention.remove_expired_clients(cutoff),
            "audit_entries": entries,
            "security_events": retention.clear_expired_security_events(cutoff)}


def retention_run(*, days: int, dry_run: bool = False, by: "Employee | None") -> RetentionRun:
    """Anonymise what ended more than ``days`` days ago (or, with ``dry_run``, count it and change nothing).

    The run is recorded first and marked finished at the end: one stopped half-way shows as interrupted,
    and the next run finishes its work. ``by`` is None for the scheduler.
    """
    require_owner(by)
    if days < 1:
        raise ValidationError(_("Keep personal data at least one day."))
    cutoff = timezone.now() - timedelta(days=days)
    since = _previous_cutoff(cutoff)
    run = RetentionRun.objects.create(days=days, cutoff=cutoff, dry_run=dry_run, by=by)
    counts = _preview(cutoff, since) if dry_run else _anonymise(cutoff, since)
    RetentionRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), **counts)
    run.refresh_from_db()
    log.info("retention run %s days=%s dry_run=%s %s", run.pk, days, dry_run,
             " ".join(f"{name}={count}" for name, count in counts.items()))
    return run


# --- Data-subject requests ---------------------------------------------------------------------------


def data_request_person(request: DataRequest) -> Person:
    return person_find(phone_index=request.phone_index, email_hash=request.email_hash)


def _studio_request(*, kind: str, person: Person, source: str) -> DataRequest:
    """A request the studio received and answers at once (the register row of an export or erase)."""
    return DataRequest.objects.create(kind=kind, source=source, phone_index=person.phone_index,
                                      email_hash=person.email_hash)


def _guest_email(request: DataRequest) -> str:
    """Where to tell the guest who asked online: the email of the booking they asked from."""
    return request.booking.client_email if request.notify and request.booking is not None else ""


def _complete(request: DataRequest, *, by: "Employee | None", counts: dict, status: str = RequestStatus.DONE,
              reason: str = "", email: str | None = None) -> DataRequest:
    email = _guest_email(request) if email is None else email
    request.status, request.completed_at, request.completed_by = status, timezone.now(), by
    request.counts, request.reason = counts, reason
    request.save(update_fields=["status", "completed_at", "completed_by", "counts", "reason"])
    data_request_completed.send(sender=DataRequest, request=request, email=email)
    return request


def _open_request(request: DataRequest, kind: str) -> DataRequest:
    current = DataRequest.objects.select_for_update().get(pk=request.pk)
    if current.kind != kind or not current.is_open:
        raise ValidationError(_("This request is already answered."))
    return current


def _counts(data: dict[str, list]) -> dict[str, int]:
    return {name: len(rows) for name, rows in data.items()}


def data_export(*, person: Person, by: "Employee | None", request: DataRequest | None = None,
                source: str = RequestSource.STUDIO) -> tuple[DataRequest, bytes]:
    """The ZIP of everything held about ``person``; the request (a new one unless given) is answered."""
    require_owner(by)
    with transaction.atomic():
        request = (_open_request(request, RequestKind.EXPORT) if request is not None
                   else _studio_request(kind=RequestKind.EXPORT, person=person, source=source))
        data = person_data(person)
        _complete(request, by=by, counts=_counts(data))
    log.info("data request %s exported by=%s", request.pk, by.username if by else "shell")
    return request, person_zip(data)


def active_bookings(person: Person):
    """The person's bookings that still hold a slot to come (a session under way included)."""
    states = [state for state in ACTIVE_STATES if state != BookingState.COMPLETED]
    return person.bookings().filter(state__in=states, end__gt=timezone.now()).select_related("space").order_by("start")


def _cancel_active(person: Person, *, by: "Employee | None", reason: str) -> int:
    active = list(active_bookings(person))
    if not active:
        return 0
    if not reason:
        raise ErasureRefused(_("The person has bookings still to come. Cancel them first, or give a reason to "
                               "cancel them with the erasure."), active)
    running = [booking for booking in active if booking.state not in CANCELLABLE]
    if running:
        raise ErasureRefused(_("A session of this person is under way; erase once it is completed."), running)
    for booking in active:
        booking_transition(booking=booking, to=BookingState.CANCELLED, by=by, reason=reason)
    return len(active)


def _contact_details(person: Person) -> set[str]:
    """The phones and emails the person's rows hold, to find them where no index reaches (the cache)."""
    found = set()
    for phone, email in person.bookings().values_list("client_phone", "client_email"):
        found |= {phone, email}
    for phone, email in person.clients().values_list("phone", "email"):
        found |= {phone, email}
    return {value for value in found if value}


def _erase(person: Person) -> dict[str, int]:
    counts = {"bookings": len(person.booking_ids), "client_cards": len(person.client_ids),
              "messages": person.notifications().count(), "audit_trail": person.audit_entries().count()}
    _count, touched = retention.bookings_anonymise(person.bookings(), client=retention.anonymous_client())
    retention.clients_remove_empty(touched | set(person.client_ids))
    return counts


def data_erase(*, person: Person, by: "Employee | None", reason: str = "", request: DataRequest | None = None,
               source: str = RequestSource.STUDIO) -> DataRequest:
    """Anonymise everything held about ``person`` in one transaction; the request is answered.

    Refused (ErasureRefused, nothing changed) while the person has bookings to come, unless ``reason`` is
    given: then they are cancelled with it first, through the state machine. A session under way is never
    cancelled.
    """
    require_owner(by)
    reason = (reason or "").strip()
    with transaction.atomic():
        request = (_open_request(request, RequestKind.ERASE) if request is not None
                   else _studio_request(kind=RequestKind.ERASE, person=person, source=source))
        cancelled = _cancel_active(person, by=by, reason=reason)
        details, email = _contact_details(person), _guest_email(request)
        counts = {**_erase(person), "cancelled": cancelled}
        _complete(request, by=by, counts=counts, reason=reason if cancelled else "", email=email)
        # At once, not after the commit: an answer dropped from the cache costs a retry nothing.
        cache_forget(details)
        # Prepared booking exports may list the person; they are made again on demand.
        transaction.on_commit(exports_discard)
    log.info("data request %s erased by=%s bookings=%s", request.pk, by.username if by else "shell", counts["bookings"])
    return request


def data_request_refuse(*, request: DataRequest, by: "Employee", reason: str) -> DataRequest:
    """Close an open request without acting on it (it was not the person's, or it was answered otherwise)."""
    require_owner(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is closed without action.")})
    with transaction.atomic():
        current = _open_request(request, request.kind)
        return _complete(current, by=by, counts={}, status=RequestStatus.REFUSED, reason=reason)


# --- Privacy-policy versions -------------------------------------------------------------------------


def policy_publish(*, version: str, text: str, published_at: datetime | None = None,
                   by: "Employee") -> PolicyVersion:
    """A new version of the privacy policy, in force from ``published_at`` (now by default)."""
    require_owner(by)
    version, text = (version or "").strip(), (text or "").strip()
    if not version or not text:
        raise ValidationError(_("Give the version a name and a text."))
    if PolicyVersion.objects.filter(version=version).exists():
        raise ValidationError({"version": _("There is already a version %(version)s.") % {"version": version}})
    policy = PolicyVersion.objects.create(version=version, text=text,
                                          published_at=published_at or timezone.now(), created_by=by)
    transaction.on_commit(policy_version_forget)
    return policy
