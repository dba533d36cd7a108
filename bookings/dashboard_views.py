"""The staff dashboard: today, requests to confirm, the week ahead, and how the studio is doing."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from employees.access import staff_required

from . import reports
from .access import visible_bookings, visible_spaces

# --- Dashboard --------------------------------------------------------------------------------------


@staff_required
@require_GET
def dashboard(request):
    bookings, spaces = visible_bookings(request.user), visible_spaces(request.user)
    today = timezone.localdate()
    week, month = reports.week_period(today), reports.month_period(today)
    pending, pending_total = reports.pending_bookings(bookings)
    upcoming_from, upcoming_to = reports.upcoming_days()
    return render(request, "dashboard/index.html", {
        "today": today,
        "upcoming_from": upcoming_from,
        "upcoming_to": upcoming_to,
        "today_by_space": reports.bookings_on_day(bookings, today),
        "pending": pending,
        "pending_total": pending_total,
        "upcoming": reports.upcoming_bookings(bookings),
        "week": reports.period_figures(bookings, spaces, week),
        "last_week": reports.period_figures(bookings, spaces, reports.previous_week(week)),
        "month": reports.period_figures(bookings, spaces, month),
        "last_month": reports.period_figures(bookings, spaces, reports.previous_month(month)),
        "activity": reports.daily_activity(bookings, last_day=today),
    })
