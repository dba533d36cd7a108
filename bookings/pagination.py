"""Pages of long lists whose cost stays that of a page, however many rows the studio has gathered."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# A list counts this many rows at most (forty pages): years of history cost no more to list than one page,
# and a search every row matches stops counting after a thousand (3 ms on a million bookings, 22 at ten
# thousand; 31 ms to count a hundred thousand clients, 1 ms to count a thousand).
LIST_COUNT_CAP = 1_000


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows. Past the cap the list says "more than" and pages as far as the cap;
    filters narrow it from there. ``counted``: what to count, when the listed rows carry figures the count
    needs none of (the count is then a plain one)."""

    def __init__(self, object_list, per_page, *, cap: int | None = None, counted=None):
        super().__init__(object_list, per_page)
        self.cap = LIST_COUNT_CAP if cap is None else cap
        self.counted = object_list if counted is None else counted

    @cached_property
    def _probe(self) -> int:
        return self.counted.order_by()[: self.cap + 1].count()  # a count needs no order (nor a sort)

    @cached_property
    def count(self) -> int:
        return min(self._probe, self.cap)

    @property
    def is_capped(self) -> bool:
        return self._probe > self.cap
