from datetime import datetime, time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from bookings.models import (
    Booking,
    BookingSource,
    BookingState,
    CalendarBlock,
    Client,
    Equipment,
    PromoCode,
    Space,
)
from bookings.pii import blind_index
from employees.models import Employee, Role


def studio_time(days_ahead: int = 1, hour: int = 10) -> datetime:
    """An aware datetime ``days_ahead`` days from today at ``hour``:00, studio time."""
    day = timezone.localdate() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"employee{n}")
    full_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@studio.test")
    role = Role.MANAGER
    password = factory.django.Password("correct-horse-battery")


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Hall {n}")
    slug = factory.Sequence(lambda n: f"hall-{n}")
    hourly_rate = Decimal("2000.00")
    capacity = 10


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    name = factory.Sequence(lambda n: f"Softbox {n}")
    price = Decimal("500.00")
    stock = 2


class PromoCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromoCode

    code = factory.Sequence(lambda n: f"PROMO{n}")
    value = Decimal("10")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ["phone_index"]

    name = factory.Faker("name")
    phone = factory.Sequence(lambda n: f"+7916{n:07d}")
    phone_index = factory.LazyAttribute(lambda o: blind_index(o.phone))


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking written straight to the database, for setting a scene. Tests of the rules use the services."""

    class Meta:
        model = Booking

    space = factory.SubFactory(SpaceFactory)
    client = factory.SubFactory(ClientFactory)
    start = factory.LazyFunction(lambda: studio_time(1, 10))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=2))
    occupied_until = factory.LazyAttribute(lambda o: o.end + o.space.cleanup)
    state = BookingState.PENDING
    reference = factory.Sequence(lambda n: f"REF-20260101-{n:04d}")
    client_name = factory.LazyAttribute(lambda o: o.client.name)
    client_phone = factory.LazyAttribute(lambda o: o.client.phone)
    client_phone_index = factory.LazyAttribute(lambda o: o.client.phone_index)
    base_price = factory.LazyAttribute(lambda o: o.space.hourly_rate * 2)
    total_price = factory.LazyAttribute(lambda o: o.base_price)
    source = BookingSource.PHONE


class CalendarBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarBlock

    space = factory.SubFactory(SpaceFactory)
    start = factory.LazyFunction(lambda: studio_time(1, 12))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=3))
