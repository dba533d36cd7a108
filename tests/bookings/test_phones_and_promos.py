from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings.models import Booking, PromoCode
from bookings.phones import normalise_phone
from bookings.services import booking_create
from tests.factories import PromoCodeFactory, studio_time


@pytest.mark.parametrize(
    "typed",
    ["+7 916 123-45-67", "8 (916) 123-45-67", "89161234567", "+79161234567", "916 123 45 67", " +7-916-123-4567 ",
     "7 916 1234567"],
)
def test_russian_numbers_in_many_formats_become_e164(typed):
    assert normalise_phone(typed) == "+79161234567"


def test_foreign_numbers_keep_their_country():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("garbage", ["", "   ", "hello", "123", "+7 916", "<script>alert(1)</script>", "9" * 40,
                                     "+1 000 000 0000"])
def test_what_is_not_a_phone_number_is_refused_with_a_message(garbage):
    with pytest.raises(ValidationError) as error:
        normalise_phone(garbage)
    assert error.value.messages[0].startswith(("Enter", "That phone"))


@pytest.mark.django_db
class TestPromoCodes:
    def book(self, space, code, day=3):
        return booking_create(by=None, space=space, start=studio_time(day, 10), end=studio_time(day, 12),
                              client_name="Irina", client_phone="+79161234567", promo_code=code)

    def test_unknown_code_is_a_field_error(self, space):
        with pytest.raises(ValidationError) as error:
            self.book(space, "NOPE")
        assert error.value.message_dict == {"promo_code": ["There is no such promo code."]}
        assert not Booking.objects.exists()

    def test_expired_code_is_refused(self, space):
        PromoCodeFactory(code="OLD", valid_until=timezone.now() - timedelta(days=1))
        with pytest.raises(ValidationError, match="expired"):
            self.book(space, "old")

    def test_exhausted_code_is_refused_and_usage_is_counted(self, space):
        PromoCodeFactory(code="ONCE", usage_limit=1)
        assert self.book(space, "once", day=3).discount == Decimal("500.00")
        assert PromoCode.objects.get(code="ONCE").times_used == 1
        with pytest.raises(ValidationError, match="used up"):
            self.book(space, "ONCE", day=4)
        assert Booking.objects.count() == 1
