"""The studio's set-up pages for admins and owners: halls and their rates, equipment, promo codes, opening hours
and special days. Managers get 403 (logged), as on the other admin pages."""

from copy import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.errors import add_service_error, error_text
from bookings.hours import SpecialDay, weekly_hours
from bookings.models import Equipment, PromoCode, Space, SpaceRate
from employees.access import admin_required
from studio_crm.formatting import when

from . import services
from .access import (
    get_equipment_for,
    get_promo_code_for,
    get_space_for,
    get_space_rate_for,
    get_special_day_for,
)
from .forms import (
    EquipmentForm,
    PromoCodeForm,
    SpaceForm,
    SpaceRateForm,
    SpecialDayForm,
    WeekForm,
    validity_days,
)

# How many past special days the hours page still lists under the upcoming ones.
RECENT_PAST_DAYS = 5


def _save(form, save, fields=None) -> int | None:
    """Run ``save`` (a service call) for a valid ``form``. None when it is saved; else the answer's status:
    400 for a form with errors, 409 for a change the service refused (its reasons are put on the form)."""
    if not form.is_valid():
        return 400
    try:
        save()
    except ValidationError as refusal:
        add_service_error(form, refusal, fields)
        return 409
    return None


@admin_required
@require_GET
def setup_home(request):
    in_service = {"active": Count("pk", filter=Q(is_active=True)), "inactive": Count("pk", filter=Q(is_active=False))}
    halls = Space.objects.aggregate(**in_service)
    equipment = Equipment.objects.aggregate(**in_service)
    promo_codes = PromoCode.objects.aggregate(**in_service)
    week = weekly_hours()
    return render(request, "studio_setup/home.html", {
        "tab": "home", "halls": halls, "equipment": equipment, "promo_codes": promo_codes,
        "week": [(capfirst(name), week.get(weekday)) for weekday, name in WEEKDAYS.items()],
        "special_days": SpecialDay.objects.filter(date__gte=timezone.localdate())[:RECENT_PAST_DAYS],
    })


# --- Halls ---------------------------------------------------------------------------------------------------


@admin_required
@require_GET
def space_list(request):
    now = timezone.now()
    spaces = Space.objects.annotate(
        rate_count=Count("rates", distinct=True),
        ahead=Count("bookings", distinct=True, filter=Q(bookings__state__in=services.UPCOMING_STATES,
                                                        bookings__end__gt=now)),
    ).order_by("-is_active", "name")
    return render(request, "studio_setup/spaces.html", {"tab": "halls", "spaces": spaces})


@admin_required
@require_http_methods(["GET", "POST"])
def space_new(request):
    form = SpaceForm(request.POST or None, request.FILES or None, initial={"is_active": True})
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.space_save(space=form.instance, by=request.user))
        if status is None:
            messages.success(request, _("%(space)s is added. Give it special rates below if some hours cost "
                                        "more or less.") % {"space": form.instance.name})
            return redirect("setup_space_edit", pk=form.instance.pk)
    return render(request, "studio_setup/space_form.html", {"tab": "halls", "form": form}, status=status or 200)


def _space_page(request, space, *, form=None, rate_form=None, status=200):
    context = {
        "tab": "halls", "space": space, "form": form or SpaceForm(instance=space),
        "rates": space.rates.order_by("weekday", "start_hour"),
        "rate_form": rate_form or SpaceRateForm(prefix="rate"),
        "ahead": services.upcoming_bookings().filter(space=space).count(),
        "has_bookings": space.bookings.exists(),
    }
    return render(request, "studio_setup/space_form.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def space_edit(request, pk):
    space = get_space_for(request, pk)
    if request.method == "GET":
        return _space_page(request, space)
    # The form changes its own copy: a refused change leaves the page's header and photo as they are.
    form = SpaceForm(request.POST, request.FILES, instance=copy(space))
    status = _save(form, lambda: services.space_save(space=form.instance, by=request.user,
                                                     photo_changed=form.photo_changed))
    if status is not None:
        return _space_page(request, space, form=form, status=status)
    messages.success(request, _("%(space)s is saved.") % {"space": form.instance.name})
    return redirect("setup_space_edit", pk=space.pk)


@admin_required
@require_POST
def space_delete_view(request, pk):
    space = get_space_for(request, pk)
    try:
        services.space_delete(space=space, by=request.user)
    except ValidationError as refusal:
        messages.error(request, error_text(refusal))
        return redirect("setup_space_edit", pk=space.pk)
    messages.success(request, _("%(space)s is deleted.") % {"space": space.name})
    return redirect("setup_space_list")


@admin_required
@require_POST
def space_rate_new(request, pk):
    space = get_space_for(request, pk)
    form = SpaceRateForm(request.POST, prefix="rate", instance=SpaceRate(space=space))
    status = _save(form, lambda: services.space_rate_save(rate=form.instance, by=request.user))
    if status is not None:
        return _space_page(request, space, rate_form=form, status=status)
    messages.success(request, _("The rate «%(rate)s» is added.") % {"rate": form.instance.label})
    return redirect("setup_space_edit", pk=space.pk)


@admin_required
@require_http_methods(["GET", "POST"])
def space_rate_edit(request, pk, rate_pk):
    space = get_space_for(request, pk)
    rate = get_space_rate_for(request, space, rate_pk)
    form = SpaceRateForm(request.POST or None, instance=rate)
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.space_rate_save(rate=form.instance, by=request.user))
        if status is None:
            messages.success(request, _("The rate «%(rate)s» is saved.") % {"rate": form.instance.label})
            return redirect("setup_space_edit", pk=space.pk)
    return render(request, "studio_setup/rate_form.html", {"tab": "halls", "space": space, "rate": rate,
                                                            "form": form}, status=status or 200)


@admin_required
@require_POST
def space_rate_delete_view(request, pk, rate_pk):
    space = get_space_for(request, pk)
    rate = get_space_rate_for(request, space, rate_pk)
    services.space_rate_delete(rate=rate, by=request.user)
    messages.success(request, _("The rate «%(rate)s» is removed.") % {"rate": rate.label})
    return redirect("setup_space_edit", pk=space.pk)


# --- Equipment -----------------------------------------------------------------------------------------------


@admin_required
@require_GET
def equipment_list(request):
    items = Equipment.objects.order_by("-is_active", "name")
    return render(request, "studio_setup/equipment_list.html", {"tab": "equipment", "items": items})


@admin_required
@require_http_methods(["GET", "POST"])
def equipment_new(request):
    form = EquipmentForm(request.POST or None, initial={"is_active": True, "stock": 1})
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.equipment_save(equipment=form.instance, by=request.user))
        if status is None:
            messages.success(request, _("%(equipment)s is added.") % {"equipment": form.instance.name})
            return redirect("setup_equipment_list")
    return render(request, "studio_setup/equipment_form.html", {"tab": "equipment", "form": form},
                  status=status or 200)


@admin_required
@require_http_methods(["GET", "POST"])
def equipment_edit(request, pk):
    item = get_equipment_for(request, pk)
    form = EquipmentForm(request.POST or None, instance=copy(item))
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.equipment_save(equipment=form.instance, by=request.user))
        if status is None:
            messages.success(request, _("%(equipment)s is saved.") % {"equipment": form.instance.name})
            return redirect("setup_equipment_list")
    peak, at, _holding = services.busiest_moment(item)
    return render(request, "studio_setup/equipment_form.html", {
        "tab": "equipment", "item": item, "form": form, "peak": peak, "peak_at": at,
    }, status=status or 200)


@admin_required
@require_POST
def equipment_delete_view(request, pk):
    item = get_equipment_for(request, pk)
    try:
        services.equipment_delete(equipment=item, by=request.user)
    except ValidationError as refusal:
        messages.error(request, error_text(refusal))
        return redirect("setup_equipment_edit", pk=item.pk)
    messages.success(request, _("%(equipment)s is deleted.") % {"equipment": item.name})
    return redirect("setup_equipment_list")


# --- Promo codes ---------------------------------------------------------------------------------------------

PROMO_FIELDS = {"valid_from": "first_day", "valid_until": "last_day"}


def promo_status(promo: PromoCode, now) -> tuple[str, str]:
    """(css class, label) of what a promo code is now: off, not yet valid, expired, used up or active."""
    if not promo.is_active:
        return "flag-off", pgettext("promo code", "Off")
    if promo.valid_from and now < promo.valid_from:
        return "flag-warn", pgettext("promo code", "Not valid yet")
    if promo.valid_until and now >= promo.valid_until:
        return "flag-off", pgettext("promo code", "Expired")
    if promo.usage_limit is not None and promo.times_used >= promo.usage_limit:
        return "flag-off", pgettext("promo code", "Used up")
    return "flag-on", pgettext("promo code", "Active")


@admin_required
@require_GET
def promo_code_list(request):
    now = timezone.now()
    rows = [{"promo": promo, "status": promo_status(promo, now), **validity_days(promo)}
            for promo in PromoCode.objects.order_by("code")]
    return render(request, "studio_setup/promo_codes.html", {"tab": "promo_codes", "rows": rows})


@admin_required
@require_http_methods(["GET", "POST"])
def promo_code_new(request):
    form = PromoCodeForm(request.POST or None, initial={"is_active": True})
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.promo_code_save(promo=form.instance, by=request.user), PROMO_FIELDS)
        if status is None:
            messages.success(request, _("The promo code %(code)s is added.") % {"code": form.instance.code})
            return redirect("setup_promo_code_list")
    return render(request, "studio_setup/promo_code_form.html", {"tab": "promo_codes", "form": form},
                  status=status or 200)


@admin_required
@require_http_methods(["GET", "POST"])
def promo_code_edit(request, pk):
    promo = get_promo_code_for(request, pk)
    form = PromoCodeForm(request.POST or None, instance=copy(promo))
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.promo_code_save(promo=form.instance, by=request.user), PROMO_FIELDS)
        if status is None:
            messages.success(request, _("The promo code %(code)s is saved.") % {"code": form.instance.code})
            return redirect("setup_promo_code_list")
    return render(request, "studio_setup/promo_code_form.html", {
        "tab": "promo_codes", "promo": promo, "form": form, "status": promo_status(promo, timezone.now()),
    }, status=status or 200)


# --- Opening hours and special days ---------------------------------------------------------------------------


def _hours_page(request, *, week_form=None, day_form=None, status=200):
    today = timezone.localdate()
    context = {
        "tab": "hours",
        "week_form": week_form or WeekForm(week=weekly_hours()),
        "day_form": day_form or SpecialDayForm(),
        "upcoming": SpecialDay.objects.filter(date__gte=today),
        "recent": SpecialDay.objects.filter(date__lt=today).order_by("-date")[:RECENT_PAST_DAYS],
    }
    return render(request, "studio_setup/hours.html", context, status=status)


@admin_required
@require_http_methods(["GET", "POST"])
def opening_hours_page(request):
    if request.method == "GET":
        return _hours_page(request)
    form = WeekForm(request.POST, week=weekly_hours())
    status = _save(form, lambda: services.opening_hours_save(week=form.week(), by=request.user))
    if status is not None:
        return _hours_page(request, week_form=form, status=status)
    messages.success(request, _("The opening hours are saved."))
    return redirect("setup_hours")


@admin_required
@require_POST
def special_day_new(request):
    form = SpecialDayForm(request.POST)
    status = _save(form, lambda: services.special_day_save(special_day=form.instance, by=request.user))
    if status is not None:
        return _hours_page(request, day_form=form, status=status)
    messages.success(request, _("The hours of %(day)s are saved.") % {"day": when(form.instance.date, "date")})
    return redirect("setup_hours")


@admin_required
@require_http_methods(["GET", "POST"])
def special_day_edit(request, pk):
    special_day = get_special_day_for(request, pk)
    form = SpecialDayForm(request.POST or None, instance=get_special_day_for(request, pk))
    status = None
    if request.method == "POST":
        status = _save(form, lambda: services.special_day_save(special_day=form.instance, by=request.user))
        if status is None:
            messages.success(request, _("The hours of %(day)s are saved.") % {"day": when(form.instance.date, "date")})
            return redirect("setup_hours")
    return render(request, "studio_setup/special_day_form.html", {
        "tab": "hours", "special_day": special_day, "form": form,
    }, status=status or 200)


@admin_required
@require_POST
def special_day_delete_view(request, pk):
    special_day = get_special_day_for(request, pk)
    try:
        services.special_day_delete(special_day=special_day, by=request.user)
    except ValidationError as refusal:
        messages.error(request, error_text(refusal))
        return redirect("setup_special_day_edit", pk=special_day.pk)
    messages.success(request, _("%(day)s has its usual hours again.") % {"day": when(special_day.date, "date")})
    return redirect("setup_hours")
