"""The staff dashboard: requests to confirm, today, the week ahead, and how the studio is doing."""

from datetime import timedelta

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from employees.access import staff_required

from . import reports
from .access import visible_bookings, visible_spaces

# Weeks of history the occupancy heat map reads.
HEAT_MAP_WEEKS = 8

# --- Dashboard --------------------------------------------------------------------------------------


@staff_required
@require_GET
def dashboard(request):
    # The halls are read once: the figures, the breakdown by hall and the heat map all need them.
    bookings, spaces = visible_bookings(request.user), list(visible_spaces(request.user))
    today = timezone.localdate()
    month, last_month = reports.month_to_date(today), reports.same_days_last_month(today)
    pending, pending_total = reports.pending_bookings(bookings)
    upcoming_from, upcoming_to = reports.upcoming_days()
    today_by_space, today_more = reports.bookings_on_day(bookings, today)
    week, last_week, month_figures, last_month_figures = reports.figures_by_period(
        bookings, spaces, [reports.week_to_date(today), reports.same_days_last_week(today), month, last_month])
    by_space, by_source = reports.revenue_by_space_and_source(bookings, spaces, month, last_month)
    return render(request, "dashboard/index.html", {
        "today": today,
        "upcoming_from": upcoming_from,
        "upcoming_to": upcoming_to,
        "today_by_space": today_by_space,
        "today_more": today_more,
        "pending": pending,
        "pending_total": pending_total,
        "upcoming": reports.upcoming_bookings(bookings),
        "week": week,
        "last_week": last_week,
        "month": month_figures,
        "last_month": last_month_figures,
        "by_space": by_space,
        "by_source": by_source,
        "activity": reports.daily_activity(bookings, last_day=today),
        # Whole weeks that have passed: today is still filling up.
        "heat_map": reports.occupancy_by_hour(bookings, spaces, last_day=today - timedelta(days=1),
                                              weeks=HEAT_MAP_WEEKS),
    })
