"""Who may see and act on which spaces and bookings.

Owners and admins work on every space. A manager works on the spaces they are assigned through
django-guardian's object permission ``bookings.manage_space_bookings``. Everything a view shows
comes through these functions, so a manager guessing another space's booking id gets a 404.
"""

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from employees.access import log_denial
from employees.models import Employee
from employees.signals import staff_access_changed_on_commit

from .models import Booking, Client, Space

SPACE_PERMISSION = "bookings.manage_space_bookings"


def visible_spaces(user):
    if user.is_admin_or_owner:
        return Space.objects.all()
    return get_objects_for_user(user, SPACE_PERMISSION, klass=Space, accept_global_perms=False)


def visible_bookings(user):
    bookings = Booking.objects.all()
    if user.is_admin_or_owner:
        return bookings
    return bookings.filter(space__in=visible_spaces(user))


def visible_clients(user):
    # The card without a phone holds the anonymised bookings (compliance/retention.py): nobody's client.
    clients = Client.objects.exclude(phone_index="")
    if user.is_admin_or_owner:
        return clients
    return clients.filter(pk__in=Booking.objects.filter(space__in=visible_spaces(user)).values("client_id"))


def get_booking_for(request, pk) -> Booking:
    """The booking ``pk`` if the signed-in employee may work on it; 404 (and a logged denial) if not."""
    booking = Booking.objects.select_related("space", "client", "promo_code").filter(pk=pk).first()
    if booking is None:
        raise Http404("No such booking.")
    if not request.user.is_admin_or_owner and not request.user.has_perm(SPACE_PERMISSION, booking.space):
        log_denial(request, f"booking {pk} of space {booking.space_id}")
        raise Http404("No such booking.")
    return booking


def get_client_for(request, pk) -> Client:
    client = visible_clients(request.user).filter(pk=pk).first()
    if client is None:
        if Client.objects.filter(pk=pk).exists():
            log_denial(request, f"client {pk}")
        raise Http404("No such client.")
    return client


def assign_spaces(employee, spaces) -> None:
    """Make ``spaces`` exactly the spaces a manager works on."""
    wanted = {space.pk for space in spaces}
    for space in Space.objects.all():
        if space.pk in wanted:
            assign_perm(SPACE_PERMISSION, employee, space)
        else:
            remove_perm(SPACE_PERMISSION, employee, space)
    staff_access_changed_on_commit(employee=employee)


def assigned_spaces(employee):
    """The spaces ``employee`` is assigned to through per-space permissions (none for owners and admins)."""
    return get_objects_for_user(
        employee, SPACE_PERMISSION, klass=Space, accept_global_perms=False, with_superuser=False
    )


def assigned_space_names(employees: Iterable[Employee]) -> dict[int, list[str]]:
    """The names of the spaces each of ``employees`` is assigned to, sorted, keyed by employee pk.

    Two queries whatever the number of employees; employees with no space are left out.
    """
    rows = UserObjectPermission.objects.filter(
        user__in=[employee.pk for employee in employees],
        permission__codename=SPACE_PERMISSION.split(".")[1],
        content_type=ContentType.objects.get_for_model(Space),
    ).values_list("user_id", "object_pk")
    # A studio has a handful of halls: one query for all their names keeps the count fixed.
    names = dict(Space.objects.values_list("pk", "name"))
    spaces: dict[int, list[str]] = {}
    for user_id, space_pk in rows:
        if int(space_pk) in names:
            spaces.setdefault(user_id, []).append(names[int(space_pk)])
    return {user_id: sorted(found) for user_id, found in spaces.items()}
