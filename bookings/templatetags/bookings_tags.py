"""Small display helpers for the staff pages: state and payment badges, percentages, lengths of time
(money and dates: studio_crm.formatting)."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy

from bookings.dates import hours_short, hours_text
from bookings.models import TRANSITION_LABELS, BookingState, PaymentStatus, state_in_a_sentence
from studio_crm.formatting import percent, when

register = template.Library()

# A badge has little room: where a state's name is long in some language, the badge says it shorter
# ("Pending" is «Ожидает подтверждения» in a sentence and «Заявка» on a badge).
BADGE_LABELS = {
    BookingState.PENDING: pgettext_lazy("booking state, badge", "Pending"),
}


register.filter("percent", percent)


@register.filter
def hours(value) -> str:
    """``2`` → ``2 hours`` / ``2 часа``."""
    return hours_text(int(value))


@register.filter
def hours_abbr(value) -> str:
    """``2`` → ``2 h`` / ``2 ч``, where room is short."""
    return hours_short(int(value))


@register.simple_tag
def state_badge(state) -> str:
    if state in BADGE_LABELS:
        label = BADGE_LABELS[state]
    else:
        label = BookingState(state).label if state in BookingState.values else state
    return format_html('<span class="badge state-{}">{}</span>', state, label)


@register.simple_tag
def payment_badge(status) -> str:
    label = PaymentStatus(status).label if status in PaymentStatus.values else status
    if status == PaymentStatus.PENDING:
        # Not to be mistaken for a pending booking beside it.
        label = pgettext("payment status, badge", "Payment pending")
    return format_html('<span class="badge badge-outline pay-{}">{}</span>', status, label)


def _delta(direction: str, shown: str) -> str:
    if direction == "up":
        arrow, word = "▲", pgettext("a figure went", "up")
    else:
        arrow, word = "▼", pgettext("a figure went", "down")
    return format_html('<span class="stat-delta {}">{} {} <span class="sr-only">{}</span></span>',
                       direction, arrow, shown, word)


def _muted(text: str) -> str:
    return format_html('<span class="stat-delta muted">{}</span>', text)


@register.simple_tag
def change(current, previous, share=False) -> str:
    """The change of a figure against the previous period, as an arrow and a percentage.

    With ``share`` (figures that are themselves fractions, like utilisation) the change is in
    percentage points: 4% → 5% reads "▲ 1 pt", not "▲ 25%".
    """
    if current is None or previous is None:
        return _muted(gettext("no comparison"))
    current, previous = float(current), float(previous)
    if share:
        points = (current - previous) * 100
        if abs(points) < 0.5:
            return _muted(gettext("no change"))
        whole = round(abs(points))
        shown = ngettext("%(points)s pt", "%(points)s pts", whole) % {"points": whole}
        return _delta("up" if points > 0 else "down", shown)
    if previous == 0:
        if current == 0:
            return _muted(gettext("no change"))
        return format_html('<span class="stat-delta up">▲ {}</span>', pgettext("a figure that was zero", "new"))
    delta = (current - previous) / previous * 100
    if abs(delta) < 0.5:
        return _muted(gettext("no change"))
    return _delta("up" if delta > 0 else "down", percent(abs(delta) / 100))


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
            labels.append({"x": round(x + step / 2, 1), "text": when(day.day, "short")})
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


@register.filter
def in_a_sentence(state) -> str:
    """A state as a sentence quotes it: ``{% blocktranslate with state=booking.state|in_a_sentence %}``."""
    return state_in_a_sentence(state)
