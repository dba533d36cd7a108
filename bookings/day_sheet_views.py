"""The day sheet: each hall's bookings of one day on a printed page of its own, for the front desk."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django import forms
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from employees.access import log_denial, staff_required

from .access import visible_spaces
from .dates import BoundedDateField, day_bounds
from .hours import opening_hours_for
from .models import ACTIVE_STATES, Booking, BookingEquipment, CalendarBlock, Space


class DaySheetForm(forms.Form):
    space = forms.SlugField(required=False, label=_("Hall"))
    date = BoundedDateField(required=False, label=_("Date"))


@dataclass
class HallSheet:
    space: Space
    hours: tuple[int, int] | None
    bookings: list = field(default_factory=list)
    blocks: list = field(default_factory=list)

    @property
    def booked_hours(self) -> int:
        return sum(booking.duration_hours for booking in self.bookings)


def _halls_for(request, slug: str):
    """The halls the sheet covers: the one asked for (404 unless the employee may see it) or every active one
    they may see."""
    spaces = visible_spaces(request.user).order_by("name")
    if not slug:
        return list(spaces.filter(is_active=True))
    hall = spaces.filter(slug=slug).first()
    if hall is None:
        if Space.objects.filter(slug=slug).exists():
            log_denial(request, f"day sheet of space {slug}")
        raise Http404("No such hall.")
    return [hall]


def hall_sheets(halls: list[Space], day: date) -> list[HallSheet]:
    """Each hall's active bookings starting on ``day`` (with their equipment) and its blocks that day: three
    queries for the bookings and blocks, plus the day's opening hours."""
    since, until = day_bounds(day, day)
    lines = Prefetch("equipment_lines", queryset=BookingEquipment.objects.select_related("equipment")
                     .order_by("equipment__name"))
    bookings = (Booking.objects.filter(space__in=halls, start__gte=since, start__lt=until, state__in=ACTIVE_STATES)
                .select_related("space").prefetch_related(lines).order_by("start"))
    blocks = CalendarBlock.objects.filter(space__in=halls, end__gt=since, start__lt=until).order_by("start")
    hours = opening_hours_for([day])[day]
    sheets = {hall.pk: HallSheet(hall, hours) for hall in halls}
    for booking in bookings:
        sheets[booking.space_id].bookings.append(booking)
    for block in blocks:
        sheets[block.space_id].blocks.append(block)
    return list(sheets.values())


@staff_required
@require_GET
def day_sheet(request):
    form = DaySheetForm(request.GET)
    valid = form.is_valid()
    day = (form.cleaned_data.get("date") if valid else None) or timezone.localdate()
    slug = form.cleaned_data.get("space", "") if valid else request.GET.get("space", "")
    halls = _halls_for(request, slug)
    return render(request, "day_sheet/day_sheet.html", {
        "form": form,
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "chosen": slug if len(halls) == 1 and slug else "",
        "choices": visible_spaces(request.user).filter(is_active=True).order_by("name"),
        "sheets": hall_sheets(halls, day),
        "printed_at": timezone.now(),
    })
