from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings.dates import EARLIEST, LATEST, DateRangeForm

from .services import (
    BOARD_STATES,
    CARDS_PER_PAGE,
    DEFAULT_RANGE_DAYS,
    MAX_RANGE_DAYS,
    MOST_CARDS_SHOWN,
    default_range,
)

# The most cards a live page asks for at once (those it heard changed).
MOST_CARDS_ASKED = 200


def _whole(value, *, default: int, low: int, high: int) -> int:
    """``value`` as a whole number between ``low`` and ``high``; ``default`` if it is not one."""
    text = str(value or "")
    return min(max(int(text), low), high) if text.isdigit() and len(text) < 6 else default


class BoardFilterForm(DateRangeForm):
    """The board's range (at most ``MAX_RANGE_DAYS`` days, within the years staff can pick) and space."""

    max_days = MAX_RANGE_DAYS
    space = forms.ModelChoiceField(label=_("Space"), queryset=None, required=False, empty_label=_("All spaces"))

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["space"].queryset = spaces

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        # One end given: a week from it (or up to it); none: this week.
        if date_from and not date_to:
            date_to = min(date_from + timedelta(days=DEFAULT_RANGE_DAYS), LATEST)
        elif date_to and not date_from:
            date_from = max(date_to - timedelta(days=DEFAULT_RANGE_DAYS), EARLIEST)
        elif not date_from:
            date_from, date_to = default_range()
        cleaned["date_from"], cleaned["date_to"] = date_from, date_to
        return cleaned

    def filters(self) -> dict:
        """The range and space to show: what was asked for if valid, else the default week."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return {"date_from": data["date_from"], "date_to": data["date_to"], "space": data["space"]}
        date_from, date_to = default_range()
        return {"date_from": date_from, "date_to": date_to, "space": None}

    def shown(self) -> dict[str, int]:
        """How many cards each column shows (``show_<state>``): a page's worth unless "Show more" asked."""
        return {state: _whole(self.data.get(f"show_{state}"), default=CARDS_PER_PAGE, low=CARDS_PER_PAGE,
                              high=MOST_CARDS_SHOWN) for state in BOARD_STATES}

    def more(self) -> str | None:
        """The column whose cards "Show more" asked for (``more=<state>``), with ``show_<state>`` of them."""
        state = self.data.get("more")
        return state if state in BOARD_STATES else None

    def cards(self) -> set[int] | None:
        """The cards a live page asked for (``cards=1,2``): those it heard changed; None for every card."""
        if "cards" not in self.data:
            return None
        ids = [part for part in str(self.data["cards"]).split(",")[:MOST_CARDS_ASKED] if part.isdigit()]
        return {int(part) for part in ids if len(part) < 12}

    @staticmethod
    def url(filters: dict, shown: dict[str, int]) -> str:
        """The board of ``filters`` with ``shown`` cards in each column, as a link."""
        query = {"date_from": filters["date_from"].isoformat(), "date_to": filters["date_to"].isoformat()}
        if filters["space"] is not None:
            query["space"] = filters["space"].pk
        query.update({f"show_{state}": count for state, count in shown.items() if count != CARDS_PER_PAGE})
        return f"{reverse('kanban')}?{urlencode(query)}"


class MoveForm(forms.Form):
    booking = forms.IntegerField(min_value=1)
    to = forms.ChoiceField(choices=[(state, state) for state in BOARD_STATES])
    version = forms.IntegerField(min_value=1, required=False)
    reason = forms.CharField(max_length=1000, required=False)
    order = forms.CharField(required=False, max_length=20_000)

    def clean_order(self) -> list[int]:
        raw = [part.strip() for part in self.cleaned_data["order"].split(",") if part.strip()]
        if len(raw) > 1000 or not all(part.isdigit() for part in raw):
            raise forms.ValidationError(_("The order of the column could not be read."))
        return [int(part) for part in raw]
