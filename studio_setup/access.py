"""What the set-up pages open. Admins and owners change the whole studio's set-up (the views let no one else
in: ``employees.access.admin_required``); each getter checks the role again before it reads a row, logs a
refusal like every other, and answers 404 for a row that does not exist."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from bookings.hours import SpecialDay
from bookings.models import Equipment, PromoCode, Space, SpaceRate
from employees.access import log_denial


def _setup_row(request, queryset, pk):
    if not request.user.is_admin_or_owner:
        log_denial(request, f"set-up {queryset.model._meta.model_name} {pk}")
        raise PermissionDenied
    return get_object_or_404(queryset, pk=pk)


def get_space_for(request, pk) -> Space:
    return _setup_row(request, Space.objects.all(), pk)


def get_space_rate_for(request, space: Space, pk) -> SpaceRate:
    """One of ``space``'s rates; another hall's rate is a 404 here."""
    return _setup_row(request, SpaceRate.objects.filter(space=space), pk)


def get_equipment_for(request, pk) -> Equipment:
    return _setup_row(request, Equipment.objects.all(), pk)


def get_promo_code_for(request, pk) -> PromoCode:
    return _setup_row(request, PromoCode.objects.all(), pk)


def get_special_day_for(request, pk) -> SpecialDay:
    return _setup_row(request, SpecialDay.objects.all(), pk)
