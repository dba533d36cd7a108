"""Operations on bookings. Views, the API, the admin, commands and jobs all go through these.

Every write that can clash with another booking takes a lock on the space row first, so two
people booking or confirming the same hall are serialised (on SQLite, the IMMEDIATE transaction
serialises all writers). On PostgreSQL an exclusion constraint backs the check up.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .availability import (
    as_utc,
    check_equipment_stock,
    find_conflict,
    fitting_slots,
    holding_bookings,
    validate_booking_time,
)
from .errors import (
    BatchRefused,
    BookingConflict,
    BookingError,
    StaleBooking,
    TransitionRefused,
    error_text,
    local_range,
)
from .hours import forget as forget_hours
from .models import (
    ActorKind,
    BlockKind,
    Booking,
    BookingEquipment,
    BookingSource,
    BookingState,
    BookingTransition,
    CalendarBlock,
    Client,
    Equipment,
    PaymentStatus,
    PromoCode,
    Space,
)
from .phones import normalise_phone
from .pii import blind_index
from .pricing import quote
from .references import new_reference
from .signals import block_changed, booking_created, booking_recorded, booking_state_changed, booking_updated

if TYPE_CHECKING:
    from employees.models import Employee

block_log = logging.getLogger("studio.calendar")


@dataclass(frozen=True)
class Consent:
    """A guest's consent to the processing of personal data, as given on the booking form or API."""

    policy_version: str
    at: datetime
    ip: str | None


def phone_index(raw_phone: str) -> str:
    """The blind index of a phone number as typed (raises ValidationError if it is not one)."""
    return blind_index(normalise_phone(raw_phone))


def _actor_kind(by: "Employee | None") -> str:
    return ActorKind.EMPLOYEE if by is not None else ActorKind.GUEST


def _send_on_commit(signal, **kwargs):
    transaction.on_commit(lambda: signal.send(sender=Booking, **kwargs), robust=True)


def _record(booking: Booking, *, event: str, by: "Employee | None", from_state: str, to_state: str, reason: str = "",
            fields: set[str] | None = None) -> None:
    """booking_recorded, inside the change's transaction: its receivers' rows commit or roll back with it."""
    booking_recorded.send(sender=Booking, booking=booking, event=event, by=by, from_state=from_state,
                          to_state=to_state, reason=reason, fields=set(fields or ()))


def _lock_space(space: Space) -> Space:
    """``space`` re-read under a row lock. The set-up services change the opening hours under the same locks, so
    what this request remembered of the hours before is dropped: a check made after this reads the hours in force."""
    locked = Space.objects.select_for_update().get(pk=space.pk)
    forget_hours()
    return locked


def _clean_equipment(equipment, *, booked: dict[int, int] | None = None) -> dict[Equipment, int]:
    """Positive quantities only. Equipment taken out of service can no longer be added, but a booking
    may keep (or reduce) what it already had of it: ``booked`` maps equipment id to that quantity."""
    booked = booked or {}
    cleaned = {}
    for item, quantity in (equipment or {}).items():
        if quantity is None or quantity <= 0:
            continue
        if not item.is_active and int(quantity) > booked.get(item.pk, 0):
            raise ValidationError({"equipment": _("%(equipment)s is not available for booking.") % {
                "equipment": item.name}})
        cleaned[item] = cleaned.get(item, 0) + int(quantity)
    return cleaned


def _lock_equipment(equipment: dict[Equipment, int]) -> dict[Equipment, int]:
    """Lock the equipment rows in a fixed order (no deadlocks) and return them fresh from the database."""
    if not equipment:
        return {}
    wanted = {item.pk: quantity for item, quantity in equipment.items()}
    locked = Equipment.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    return {item: wanted[item.pk] for item in locked}


def promo_for(code: str, *, at: datetime | None = None) -> PromoCode | None:
    """The usable promo code for ``code``, or a ValidationError saying why it cannot be used."""
    code = (code or "").strip().upper()
    if not code:
        return None
    promo = PromoCode.objects.filter(code=code).first()
    if promo is None:
        raise ValidationError({"promo_code": _("There is no such promo code.")})
    reason = promo.unusable_reason(at)
    if reason:
        raise ValidationError({"promo_code": reason})
    return promo


def _redeem_promo(promo: PromoCode) -> None:
    locked = PromoCode.objects.select_for_update().get(pk=promo.pk)
    reason = locked.unusable_reason()
    if reason:
        raise ValidationError({"promo_code": reason})
    PromoCode.objects.filter(pk=promo.pk).update(times_used=F("times_used") + 1)


def client_for_phone(*, phone: str, name: str, email: str = "") -> Client:
    """The client with this (normalised) phone, created on their first booking."""
    client, created = Client.objects.get_or_create(
        phone_index=blind_index(phone), defaults={"phone": phone, "name": name, "email": email}
    )
    if not created and email and not client.email:
        client.email = email
        client.save(update_fields=["email", "updated_at"])
    return client


def _conflict_with_alternatives(error: BookingConflict, space: Space, start: datetime, end: datetime, *,
                                equipment: dict | None = None, exclude: Booking | None = None) -> BookingConflict:
    """``error`` with the times to offer instead: the whole length free, and the equipment asked for with it."""
    error.alternatives = fitting_slots(space, start, end, equipment=equipment, exclude=exclude)
    return error


def _save_guarded(booking: Booking, **save_kwargs) -> None:
    """Save; an overlap caught by the database constraint becomes the same BookingConflict as the check."""
    try:
        with transaction.atomic():
            booking.save(**save_kwargs)
    except IntegrityError as error:
        if "booking_no_overlap_per_space" not in str(error):
            raise
        raise BookingConflict(
            _("%(space)s is already booked %(when)s.") % {
                "space": booking.space.name, "when": local_range(booking.start, booking.end)},
            start=booking.start,
            end=booking.end,
        ) from error


def booking_create(
    *,
    space: Space,
    start: datetime,
    end: datetime,
    client_name: str,
    client_phone: str,
    client_email: str = "",
    equipment: dict | None = None,
    promo_code: str = "",
    special_requirements: str = "",
    notes: str = "",
    internal_notes: str = "",
    source: str = BookingSource.PHONE,
    consent: Consent | None = None,
    language: str = "",
    by: "Employee | None",
) -> Booking:
    """Book ``space`` from ``start`` to ``end`` as a pending request; ``language`` is the guest's (their emails').

    Raises ValidationError (by field) for a time, phone or promo code that breaks the rules, and
    BookingConflict when the time or the equipment is taken. Nothing is written in either case.
    """
    if not space.is_active:
        raise ValidationError({"space": _("%(space)s is not taking bookings.") % {"space": space.name}})
    start, end = as_utc(start), as_utc(end)
    client_name = _client_name(client_name)
    try:
        phone = normalise_phone(client_phone)
    except ValidationError as error:
        raise ValidationError({"client_phone": error.messages}) from error
    promo = promo_for(promo_code)
    equipment = _clean_equipment(equipment)

    with transaction.atomic():
        space = _lock_space(space)
        # Under the lock: the hours read are those in force, even if they changed while the hall was awaited.
        validate_booking_time(start, end)
        try:
            find_conflict(space, start, end)
        except BookingConflict as error:
            raise _conflict_with_alternatives(error, space, start, end, equipment=equipment) from None
        equipment = _lock_equipment(equipment)
        try:
            check_equipment_stock(equipment, start, end)
        except BookingConflict as error:
            raise _conflict_with_alternatives(error, space, start, end, equipment=equipment) from None
        if promo is not None:
            _redeem_promo(promo)
        client = client_for_phone(phone=phone, name=client_name, email=client_email)
        price = quote(space=space, start=start, end=end, equipment=equipment, promo=promo)
        booking = Booking(
            space=space,
            client=client,
            start=start,
            end=end,
            occupied_until=end + space.cleanup,
            state=BookingState.PENDING,
            client_name=client_name,
            client_phone=phone,
            client_phone_index=client.phone_index,
            client_email=client_email,
            special_requirements=special_requirements,
            notes=notes,
            internal_notes=internal_notes,
            base_price=price.base_price,
            equipment_price=price.equipment_price,
            discount=price.discount,
            total_price=price.total_price,
            promo_code=promo,
            source=source,
            language=language,
            created_by=by,
            updated_by=by,
        )
        if consent is not None:
            booking.consent_policy_version = consent.policy_version
            booking.consent_at = consent.at
            booking.consent_ip = consent.ip
        try:
            _insert_with_reference(booking)
        except BookingConflict as error:
            raise _conflict_with_alternatives(error, space, start, end, equipment=equipment) from None
        BookingEquipment.objects.bulk_create(
            BookingEquipment(booking=booking, equipment=item, quantity=quantity, price=price.lines[item])
            for item, quantity in equipment.items()
        )
        BookingTransition.objects.create(
            booking=booking,
            from_state=BookingState.DRAFT,
            to_state=BookingState.PENDING,
            actor=by,
            actor_kind=_actor_kind(by),
        )
        _record(booking, event="created", by=by, from_state=BookingState.DRAFT, to_state=BookingState.PENDING)
        _send_on_commit(booking_created, booking=booking, by=by)
    return booking


def _insert_with_reference(booking: Booking, attempts: int = 5) -> None:
    for attempt in range(attempts):
        booking.reference = new_reference(booking.start)
        try:
            _save_guarded(booking, force_insert=True)
            return
        except IntegrityError as error:
            if "reference" not in str(error) or attempt == attempts - 1:
                raise


def _lock_current(booking: Booking, version: int | None) -> Booking:
    """The booking re-read under a row lock; StaleBooking if it changed since ``version`` was read."""
    current = Booking.objects.select_for_update().select_related("space").get(pk=booking.pk)
    if version is not None and current.version != version:
        raise StaleBooking(_(
            "%(reference)s was changed by someone else while you were editing. "
            "Reload it to see the current details, then make your change again."
        ) % {"reference": current.reference})
    return current


def _client_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"client_name": _("Enter the client's name.")})
    return name


def _change_details(current: Booking, details: dict[str, str | None]) -> set[str]:
    """Set the plain fields given (None keeps a field); the names of those that changed."""
    details = {name: value for name, value in details.items() if value is not None}
    if "client_name" in details:
        details["client_name"] = _client_name(details["client_name"])
    if "source" in details and details["source"] not in BookingSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    changed = {name for name, value in details.items() if getattr(current, name) != value}
    for name in changed:
        setattr(current, name, details[name])
    return changed


def _change_phone(current: Booking, client_phone: str | None) -> set[str]:
    """A new phone moves the booking to that phone's client card."""
    if client_phone is None:
        return set()
    try:
        phone = normalise_phone(client_phone)
    except ValidationError as error:
        raise ValidationError({"client_phone": error.messages}) from error
    if phone == current.client_phone:
        return set()
    current.client = client_for_phone(phone=phone, name=current.client_name, email=current.client_email)
    current.client_phone = phone
    current.client_phone_index = current.client.phone_index
    return {"client_phone", "client"}


def _check_new_time(current: Booking, space: Space, start: datetime, end: datetime,
                    equipment: dict[Equipment, int] | None = None) -> Space:
    """The new time follows the rules and is free: the space comes back locked."""
    space = _lock_space(space)
    validate_booking_time(start, end)
    try:
        find_conflict(space, start, end, exclude=current)
    except BookingConflict as error:
        raise _conflict_with_alternatives(error, space, start, end, equipment=equipment, exclude=current) from None
    return space


def _reprice(current: Booking, space: Space, start: datetime, end: datetime, equipment: dict[Equipment, int]) -> None:
    """Put the booking at the new time with the new equipment, priced anew (lines are priced by the hour too)."""
    equipment = _lock_equipment(equipment)
    try:
        check_equipment_stock(equipment, start, end, exclude=current)
    except BookingConflict as error:
        raise _conflict_with_alternatives(error, space, start, end, equipment=equipment, exclude=current) from None
    price = quote(space=space, start=start, end=end, equipment=equipment, promo=current.promo_code)
    current.space, current.start, current.end = space, start, end
    current.occupied_until = end + space.cleanup
    current.base_price, current.equipment_price = price.base_price, price.equipment_price
    current.discount, current.total_price = price.discount, price.total_price
    current.equipment_lines.all().delete()
    BookingEquipment.objects.bulk_create(
        BookingEquipment(booking=current, equipment=item, quantity=quantity, price=price.lines[item])
        for item, quantity in equipment.items()
    )


def _change_schedule(current: Booking, *, space: Space | None, start: datetime | None, end: datetime | None,
                     equipment: dict | None) -> set[str]:
    """Reschedule and re-equip under the same rules as a new booking; the names of what changed."""
    booked = {line.equipment: line.quantity for line in current.equipment_lines.select_related("equipment")}
    booked_ids = {item.pk: quantity for item, quantity in booked.items()}
    new_equipment = _clean_equipment(equipment, booked=booked_ids) if equipment is not None else booked
    new_space = space or current.space
    new_start, new_end = as_utc(start or current.start), as_utc(end or current.end)
    rescheduled = (new_space.pk, new_start, new_end) != (current.space_id, current.start, current.end)
    equipment_changed = {item.pk: quantity for item, quantity in new_equipment.items()} != booked_ids
    if not (rescheduled or equipment_changed):
        return set()
    if not current.can_reschedule:
        raise TransitionRefused(_("%(reference)s is %(state)s and cannot be changed.") % {
            "reference": current.reference, "state": current.state_in_a_sentence})
    if rescheduled:
        new_space = _check_new_time(current, new_space, new_start, new_end, new_equipment)
    _reprice(current, new_space, new_start, new_end, new_equipment)
    return {"space", "start", "end", "total_price"} if rescheduled else {"equipment", "total_price"}


def booking_update(
    *,
    booking: Booking,
    version: int,
    by: "Employee | None",
    space: Space | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    equipment: dict | None = None,
    client_phone: str | None = None,
    client_name: str | None = None,
    client_email: str | None = None,
    special_requirements: str | None = None,
    notes: str | None = None,
    internal_notes: str | None = None,
    source: str | None = None,
) -> Booking:
    """Reschedule a booking, change its equipment or the client's details; None leaves a value as it is.

    ``version`` is the version the editor loaded; if the booking changed since, StaleBooking is
    raised and nothing is written. Time and equipment follow the same rules as a new booking.
    """
    details = {"client_name": client_name, "client_email": client_email, "special_requirements": special_requirements,
               "notes": notes, "internal_notes": internal_notes, "source": source}
    with transaction.atomic():
        current = _lock_current(booking, version)
        changed = _change_details(current, details)
        changed |= _change_phone(current, client_phone)
        changed |= _change_schedule(current, space=space, start=start, end=end, equipment=equipment)
        if not changed:
            return current
        current.version += 1
        current.updated_by = by
        _save_guarded(current)
        _record(current, event="updated", by=by, from_state=current.state, to_state=current.state, fields=changed)
        _send_on_commit(booking_updated, booking=current, by=by, fields=changed)
    return current


def booking_set_payment(*, booking: Booking, status: str, by: "Employee | None", version: int | None = None) -> Booking:
    if status not in PaymentStatus.values:
        raise ValidationError({"payment_status": _("Unknown payment status.")})
    with transaction.atomic():
        current = _lock_current(booking, version)
        if current.payment_status == status:
            return current
        current.payment_status = status
        current.version += 1
        current.updated_by = by
        current.save(update_fields=["payment_status", "version", "updated_by", "updated_at"])
        _record(current, event="updated", by=by, from_state=current.state, to_state=current.state,
                fields={"payment_status"})
        _send_on_commit(booking_updated, booking=current, by=by, fields={"payment_status"})
    return current


# What a cancel or a no-show without a reason is told: a whole sentence for each, as each language says it.
REASON_WANTED = {
    BookingState.CANCELLED: gettext_lazy("Give a reason for cancelling the booking."),
    BookingState.NO_SHOW: gettext_lazy("Give a reason for marking the booking a no-show."),
}


def booking_transition(*, booking: Booking, to: str, by: "Employee | None", reason: str = "", version: int | None = None,
                       actor_kind: str | None = None) -> Booking:
    """Move ``booking`` to state ``to``, recording who did it and why.

    ``actor_kind`` overrides what the history row says of the actor (by default an employee, or the guest
    when ``by`` is None): a scheduled job passes ActorKind.SYSTEM.

    Raises TransitionRefused (row untouched) when the state machine does not allow it, ValidationError
    when a cancel or no-show comes without a reason, BookingConflict when confirming into a taken slot.
    """
    reason = (reason or "").strip()
    if Booking.needs_reason(to) and not reason:
        raise ValidationError({"reason": str(REASON_WANTED[to])})
    with transaction.atomic():
        # Booking row first, then its space: the same order as booking_update, so the two never deadlock.
        current = _lock_current(booking, version)
        refusal = current.transition_refusal(to)
        if refusal:
            raise TransitionRefused(refusal)
        if to == BookingState.CONFIRMED:
            _lock_space(current.space)
            find_conflict(current.space, current.start, current.end, exclude=current)
        from_state = current.state
        current.move_to(to)
        current.version += 1
        current.updated_by = by
        _save_guarded(current, update_fields=["state", "version", "updated_by", "updated_at"])
        BookingTransition.objects.create(
            booking=current, from_state=from_state, to_state=to, actor=by, actor_kind=actor_kind or _actor_kind(by),
            reason=reason,
        )
        _record(current, event="state_changed", by=by, from_state=from_state, to_state=to, reason=reason)
        _send_on_commit(booking_state_changed, booking=current, from_state=from_state, to_state=to, by=by, reason=reason,
                        actor_kind=actor_kind or _actor_kind(by))
    return current


BATCH_ACTIONS = {"confirm", "cancel", "paid"}


def booking_batch(*, bookings, action: str, by: "Employee | None", reason: str = "") -> None:
    """Confirm, cancel or mark paid every booking in ``bookings``, all or nothing.

    If any booking is refused, BatchRefused lists each refusal with its reason and nothing is changed.
    """
    if action not in BATCH_ACTIONS:
        raise ValueError(f"Unknown batch action {action!r}")
    bookings = list(bookings)
    refusals = []
    with transaction.atomic():
        for booking in bookings:
            try:
                # A savepoint per booking: a refusal must not poison the rest of the transaction.
                with transaction.atomic():
                    if action == "paid":
                        booking_set_payment(booking=booking, status=PaymentStatus.PAID, by=by)
                    else:
                        to = BookingState.CONFIRMED if action == "confirm" else BookingState.CANCELLED
                        booking_transition(booking=booking, to=to, by=by, reason=reason)
            except (BookingError, ValidationError) as error:
                refusals.append((booking.reference, error_text(error)))
        if refusals:
            raise BatchRefused(refusals, total=len(bookings))


def client_update(*, client: Client, by: "Employee | None", notes: str, do_not_book: bool) -> Client:
    """Staff's notes on a client and the "do not book" flag."""
    client.notes = notes
    client.do_not_book = do_not_book
    client.save(update_fields=["notes", "do_not_book", "updated_at"])
    return client


def booking_guest_cancel(*, booking: Booking, reason: str) -> Booking:
    """A guest cancels their own booking online, which is allowed only up to the notice period before the start.

    The notice is checked on the locked row, so a booking moved closer meanwhile is not cancelled by a page
    loaded earlier. Raises TransitionRefused when it is too late (the guest must call the studio), and what
    booking_transition raises.
    """
    with transaction.atomic():
        current = _lock_current(booking, None)
        if not current.can_guest_cancel():
            raise TransitionRefused(_(
                "%(reference)s can no longer be cancelled online: its start is too close or it is no longer "
                "active. Please call the studio."
            ) % {"reference": current.reference})
        return booking_transition(booking=current, to=BookingState.CANCELLED, by=None, reason=reason)


# --- Calendar blocks: a space closed for a time ---------------------------------------------------


def _require_block_admin(by: "Employee | None") -> None:
    if by is None or not by.is_admin_or_owner:
        raise PermissionDenied(_("Only admins and owners can close a hall."))


def _send_block_changed(*, block: CalendarBlock, by: "Employee", deleted: bool) -> None:
    transaction.on_commit(
        lambda: block_changed.send(sender=CalendarBlock, block=block, by=by, deleted=deleted), robust=True
    )


def block_refusal(*, space: Space, start: datetime, end: datetime) -> str:
    """Why ``space`` cannot be closed from ``start`` to ``end`` (active bookings or another block stand
    there), or an empty string. block_create asks again under the space's lock."""
    clash = list(holding_bookings(space, start, end)[:3])
    if clash:
        listed = "; ".join(f"{b.reference} ({local_range(b.start, b.end)})" for b in clash)
        return _("%(space)s has active bookings in that time: %(listed)s. Move or cancel them first.") % {
            "space": space.name, "listed": listed}
    other = CalendarBlock.objects.filter(space=space, start__lt=end, end__gt=start).first()
    if other is not None:
        return _("%(space)s is already closed %(when)s (%(reason)s).") % {
            "space": space.name, "when": local_range(other.start, other.end), "reason": other.kind_in_a_sentence}
    return ""


def block_create(
    *,
    space: Space,
    start: datetime,
    end: datetime,
    kind: str = BlockKind.MAINTENANCE,
    note: str = "",
    by: "Employee | None",
) -> CalendarBlock:
    """Close ``space`` from ``start`` to ``end`` (admins and owners only, else PermissionDenied).

    Refused (ValidationError) where an active booking or another block stands in that time: those
    must be moved or cancelled first, so nobody arrives at a closed hall.
    """
    _require_block_admin(by)
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    if kind not in BlockKind.values:
        raise ValidationError({"kind": _("Choose maintenance or private event.")})
    with transaction.atomic():
        # The same lock the booking services take: no booking can slip in while we check.
        space = _lock_space(space)
        refusal = block_refusal(space=space, start=start, end=end)
        if refusal:
            raise ValidationError(refusal)
        block = CalendarBlock.objects.create(
            space=space, start=start, end=end, kind=kind, note=(note or "").strip(), created_by=by
        )
        _send_block_changed(block=block, by=by, deleted=False)
    block_log.info("block created space=%s %s by=%s", space.slug, local_range(start, end), by.username)
    return block


def block_delete(*, block: CalendarBlock, by: "Employee | None") -> None:
    """Reopen the time ``block`` closed (admins and owners only, else PermissionDenied)."""
    _require_block_admin(by)
    with transaction.atomic():
        CalendarBlock.objects.filter(pk=block.pk).delete()
        _send_block_changed(block=block, by=by, deleted=True)
    block_log.info("block deleted space=%s by=%s", block.space_id, by.username)
