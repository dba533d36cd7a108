"""What a booking costs. Prices are computed here only; what a client sends as a price is ignored."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from .availability import HOUR, as_utc
from .models import ZERO, PromoCode, Space


@dataclass(frozen=True)
class Quote:
    base_price: Decimal
    equipment_price: Decimal
    discount: Decimal
    lines: dict = field(default_factory=dict)  # Equipment -> price of its line

    @property
    def total_price(self) -> Decimal:
        return max(self.base_price + self.equipment_price - self.discount, ZERO)


def hourly_rate(space: Space, hour_start: datetime, rates) -> Decimal:
    """The rate for one hour: a weekday-specific rate beats an every-day one, which beats the base rate."""
    local = timezone.localtime(hour_start)
    matching = [rate for rate in rates if rate.applies_to(local)]
    matching.sort(key=lambda rate: rate.weekday is None)
    return matching[0].hourly_rate if matching else space.hourly_rate


def quote(*, space: Space, start: datetime, end: datetime, equipment: dict | None = None,
          promo: PromoCode | None = None) -> Quote:
    start, end = as_utc(start), as_utc(end)
    hours = int((end - start) / HOUR)
    rates = list(space.rates.all())
    base = sum((hourly_rate(space, start + i * HOUR, rates) for i in range(hours)), ZERO)
    lines = {item: item.price_for(hours, quantity) for item, quantity in (equipment or {}).items()}
    equipment_price = sum(lines.values(), ZERO)
    discount = promo.discount_on(base + equipment_price) if promo else ZERO
    return Quote(base_price=base, equipment_price=equipment_price, discount=discount, lines=lines)
