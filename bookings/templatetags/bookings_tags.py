"""Small display helpers for the staff pages: money, state and payment badges, percentages."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from bookings.models import TRANSITION_LABELS, BookingState, PaymentStatus

register = template.Library()

CURRENCY = "₽"
THIN_SPACE = "\u202f"


@register.filter
def money(value) -> str:
    """``12500`` → ``12 500 ₽``; kopecks only when there are some."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{text.replace(',', THIN_SPACE)}{THIN_SPACE}{CURRENCY}"


@register.filter
def percent(value, digits: int = 0) -> str:
    """``0.456`` → ``46%``; an empty figure (nothing to divide by) → ``—``."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.simple_tag
def state_badge(state) -> str:
    label = BookingState(state).label if state in BookingState.values else state
    return format_html('<span class="badge state-{}">{}</span>', state, label)


@register.simple_tag
def payment_badge(status) -> str:
    label = PaymentStatus(status).label if status in PaymentStatus.values else status
    if status == PaymentStatus.PENDING:
        label = "Payment pending"  # not to be mistaken for a pending booking beside it
    return format_html('<span class="badge badge-outline pay-{}">{}</span>', status, label)


@register.simple_tag
def change(current, previous, share=False) -> str:
    """The change of a figure against the previous period, as an arrow and a percentage.

    With ``share`` (figures that are themselves fractions, like utilisation) the change is in
    percentage points: 4% → 5% reads "▲ 1 pt", not "▲ 25%".
    """
    if current is None or previous is None:
        return mark_safe('<span class="stat-delta muted">no comparison</span>')
    current, previous = float(current), float(previous)
    if share:
        points = (current - previous) * 100
        if abs(points) < 0.5:
            return mark_safe('<span class="stat-delta muted">no change</span>')
        direction, arrow, word = ("up", "▲", "up") if points > 0 else ("down", "▼", "down")
        unit = "pt" if round(abs(points)) == 1 else "pts"
        return format_html('<span class="stat-delta {}">{} {} {} <span class="sr-only">{}</span></span>',
                           direction, arrow, f"{abs(points):.0f}", unit, word)
    if previous == 0:
        if current == 0:
            return mark_safe('<span class="stat-delta muted">no change</span>')
        return mark_safe('<span class="stat-delta up">▲ new</span>')
    delta = (current - previous) / previous * 100
    if abs(delta) < 0.5:
        return mark_safe('<span class="stat-delta muted">no change</span>')
    direction, arrow, word = ("up", "▲", "up") if delta > 0 else ("down", "▼", "down")
    return format_html('<span class="stat-delta {}">{} {}% <span class="sr-only">{}</span></span>',
                       direction, arrow, f"{abs(delta):.0f}", word)


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str, target: str = "#results", css: str = "") -> str:
    """A column header that sorts the list by ``key`` (again: the other way), in place with htmx."""
    request, current = context["request"], context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    params["sort"] = f"-{key}" if current == key else key
    url = f"{request.path}?{params.urlencode()}"
    if current == key:
        aria, arrow = "ascending", "▲"
    elif current == f"-{key}":
        aria, arrow = "descending", "▼"
    else:
        aria, arrow = "none", ""
    return format_html(
        '<th scope="col" aria-sort="{}" class="{}"><a class="sort" href="{}" hx-get="{}" hx-target="{}" '
        'hx-swap="outerHTML" hx-push-url="true">{} <span aria-hidden="true">{}</span></a></th>',
        aria, css, url, url, target, label, arrow,
    )


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current list's URL on page ``number``, filters and sort kept."""
    request = context["request"]
    params = request.GET.copy()
    params["page"] = number
    return f"{request.path}?{params.urlencode()}"


@register.inclusion_tag("dashboard/_chart.html")
def activity_chart(series, width: int = 760, height: int = 230):
    """Bars of bookings and a line of revenue per day, as plain SVG geometry."""
    left, right, top, bottom = 34, 64, 14, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    max_count = max((day.bookings for day in series), default=0) or 1
    max_revenue = float(max((day.revenue for day in series), default=0)) or 1.0
    step = plot_w / max(len(series), 1)
    bars, points, labels = [], [], []
    for index, day in enumerate(series):
        x = left + index * step
        bar_h = plot_h * day.bookings / max_count
        revenue_y = top + plot_h - plot_h * float(day.revenue) / max_revenue
        bars.append({"x": round(x + step * 0.18, 1), "y": round(top + plot_h - bar_h, 1),
                     "w": round(step * 0.64, 1), "h": round(bar_h, 1), "day": day})
        points.append(f"{x + step / 2:.1f},{revenue_y:.1f}")
        if index % 5 == 0 or index == len(series) - 1:
            labels.append({"x": round(x + step / 2, 1), "text": f"{day.day:%d %b}"})
    return {
        "series": series, "bars": bars, "line": " ".join(points), "labels": labels,
        "width": width, "height": height, "left": left, "right": width - right, "top": top,
        "baseline": top + plot_h, "mid": top + plot_h / 2, "max_count": max_count,
        "max_revenue": max_revenue, "half_revenue": max_revenue / 2,
        "label_y": height - 8, "revenue_x": width - right + 6,
        "total_bookings": sum(day.bookings for day in series),
        "total_revenue": sum((day.revenue for day in series), Decimal(0)),
    }


@register.filter
def transition_label(state) -> str:
    return TRANSITION_LABELS.get(state, state)


@register.filter
def state_label(state) -> str:
    return BookingState(state).label if state in BookingState.values else state
