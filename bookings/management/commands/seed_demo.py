"""A demo studio that makes every page look alive. Safe to run again: it adds only what is missing."""

import random
from base64 import b32encode
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from bookings.access import assign_spaces
from bookings.models import (
    Booking,
    BookingEquipment,
    BookingSource,
    BookingState,
    BookingTransition,
    Client,
    Equipment,
    EquipmentPricing,
    PaymentStatus,
    PromoCode,
    Space,
    SpaceRate,
)
from bookings.pii import blind_index
from bookings.pricing import quote
from bookings.references import new_reference
from employees.mfa import DEMO_TOTP_KEY, has_confirmed_device, mfa_enroll_demo
from employees.models import Employee, Role

DEMO_PASSWORD = "studio-demo-2026"

SPACES = [
    {"slug": "white-hall", "name": "White Hall", "hourly_rate": Decimal("2500"), "colour": "#4f7cac", "capacity": 12,
     "description": "80 m² with a white cyclorama corner, north windows and blackout blinds."},
    {"slug": "loft", "name": "Loft", "hourly_rate": Decimal("3000"), "colour": "#c2734a", "capacity": 8,
     "description": "Brick walls, a leather sofa and warm daylight from three tall windows."},
    {"slug": "cyclorama", "name": "Cyclorama", "hourly_rate": Decimal("4000"), "colour": "#5a9e6f", "capacity": 20,
     "description": "A 6 m infinity cove with a ceiling rig and drive-in access for cars.", "cleanup_minutes": 30},
]
EQUIPMENT = [
    ("Profoto B10 flash", Decimal("600"), EquipmentPricing.PER_HOUR, 4),
    ("Softbox 120 cm", Decimal("300"), EquipmentPricing.PER_HOUR, 6),
    ("Smoke machine", Decimal("1500"), EquipmentPricing.FLAT, 3),
    ("Paper backdrop roll", Decimal("900"), EquipmentPricing.FLAT, 10),
]
EMPLOYEES = [
    ("owner", "Olga Sokolova", Role.OWNER, []),
    ("admin", "Anton Belov", Role.ADMIN, []),
    ("maria", "Maria Ivanova", Role.MANAGER, ["white-hall", "loft"]),
    ("pavel", "Pavel Smirnov", Role.MANAGER, ["cyclorama"]),
]
FIRST_NAMES = ["Anna", "Irina", "Dmitry", "Elena", "Sergey", "Olga", "Nikita", "Daria", "Alexei", "Polina",
               "Kirill", "Vera", "Maxim", "Sofia", "Ilya", "Ksenia", "Roman", "Alina", "Egor", "Yulia"]
LAST_NAMES = ["Petrova", "Kuznetsov", "Volkova", "Morozov", "Lebedeva", "Novikov", "Fedorova", "Orlov",
              "Pavlova", "Zaitsev", "Semenova", "Golubev"]
REQUESTS = ["", "", "", "Need a changing room", "Bringing a dog", "Please prepare a white paper backdrop",
            "Hair and make-up artist arrives 30 min early", "Product shoot, need a table"]


class Command(BaseCommand):
    help = "Create a demo studio: spaces, equipment, staff and a few hundred bookings around today."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for a repeatable studio.")

    @transaction.atomic
    def handle(self, *args, seed, **options):
        rng = random.Random(seed)
        spaces = self.spaces()
        equipment = self.equipment()
        self.promo_codes()
        staff, totp_key = self.employees(spaces)
        if Booking.objects.exists():
            self.stdout.write("Bookings already exist; leaving them as they are.")
        else:
            clients = self.clients(rng)
            count = self.bookings(rng, spaces, equipment, clients, staff)
            self.stdout.write(f"Created {count} bookings across the last and next 30 days.")
        self.stdout.write(self.style.SUCCESS(
            f"\nDemo studio ready. Sign in at http://127.0.0.1:8000/login/ as owner / {DEMO_PASSWORD}\n"
            f"Two-step code: add the demo key {totp_key} to any authenticator app (or run "
            f"`oathtool --totp -b {totp_key}`); every demo employee shares it.\n"
            "Other demo staff: admin, maria, pavel (same password, same key)."
        ))

    def spaces(self) -> dict[str, Space]:
        spaces = {}
        for data in SPACES:
            space, _ = Space.objects.get_or_create(slug=data["slug"], defaults=data)
            spaces[space.slug] = space
        loft = spaces["loft"]
        if not loft.rates.exists():
            SpaceRate.objects.create(space=loft, label="Evening", start_hour=18, end_hour=22, hourly_rate=Decimal("3500"))
            for weekday in (5, 6):
                SpaceRate.objects.create(space=loft, label="Weekend", weekday=weekday, start_hour=9, end_hour=22,
                                         hourly_rate=Decimal("3800"))
        return spaces

    def equipment(self) -> list[Equipment]:
        return [
            Equipment.objects.get_or_create(name=name, defaults={"price": price, "pricing": pricing, "stock": stock})[0]
            for name, price, pricing, stock in EQUIPMENT
        ]

    def promo_codes(self) -> None:
        now = timezone.now()
        PromoCode.objects.get_or_create(code="WELCOME10", defaults={"value": Decimal("10")})
        PromoCode.objects.get_or_create(
            code="WINTER500",
            defaults={"kind": "fixed", "value": Decimal("500"), "valid_until": now + timedelta(days=60),
                      "usage_limit": 50},
        )

    def employees(self, spaces) -> tuple[list[Employee], str]:
        """The demo staff; each gets the demo authenticator unless they already have one of their own."""
        staff, totp_key = [], b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()
        for username, full_name, role, space_slugs in EMPLOYEES:
            employee, created = Employee.objects.get_or_create(
                username=username,
                defaults={"full_name": full_name, "role": role, "email": f"{username}@studio.example",
                          "department": "Front desk" if role == Role.MANAGER else "Management"},
            )
            if created:
                employee.set_password(DEMO_PASSWORD)
                employee.save()
                if space_slugs:
                    assign_spaces(employee, [spaces[slug] for slug in space_slugs])
            # Also for demo staff seeded before every role signed in with two steps.
            if not has_confirmed_device(employee):
                mfa_enroll_demo(employee)
            staff.append(employee)
        return staff, totp_key

    def clients(self, rng) -> list[Client]:
        clients = []
        for n in range(60):
            phone = f"+7916{rng.randrange(10**7):07d}"
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            email = f"{name.split()[0].lower()}.{n}@mail.example" if rng.random() < 0.6 else ""
            client, _ = Client.objects.get_or_create(
                phone_index=blind_index(phone), defaults={"phone": phone, "name": name, "email": email}
            )
            clients.append(client)
        clients[0].do_not_book = True
        clients[0].notes = "Left the Loft in a mess twice; ask for a deposit."
        clients[0].save(update_fields=["do_not_book", "notes"])
        return clients

    def bookings(self, rng, spaces, equipment, clients, staff) -> int:
        zone = timezone.get_current_timezone()
        now = timezone.now()
        today = timezone.localdate()
        bookings, lines, transitions, references = [], [], [], set()
        # During opening hours the first hall's day starts with a session going on now, so the
        # board and the calendar show one in progress.
        current_hour = timezone.localtime(now).hour
        live_now = 9 <= current_hour < 21
        for offset in range(-30, 31):
            day = today + timedelta(days=offset)
            for number, space in enumerate(spaces.values()):
                in_session = live_now and offset == 0 and number == 0
                hour = current_hour if in_session else 9 + rng.randrange(0, 3)
                while hour < 21 and (in_session or rng.random() < 0.75):
                    in_session = False
                    hours = min(rng.choice([1, 2, 2, 3, 4]), 22 - hour)
                    start = datetime.combine(day, time(hour), tzinfo=zone)
                    end = start + timedelta(hours=hours)
                    client = rng.choice(clients[1:])
                    chosen = dict.fromkeys(rng.sample(equipment, k=rng.choice([0, 0, 1, 2])), 1)
                    state, payment = self.state_for(rng, start, end, now)
                    source = rng.choice([BookingSource.WEBSITE, BookingSource.WEBSITE, BookingSource.PHONE,
                                         BookingSource.WALK_IN])
                    price = quote(space=space, start=start, end=end, equipment=chosen)
                    booking = Booking(
                        reference=self.unique_reference(start, references), space=space, client=client,
                        start=start, end=end,
                        occupied_until=end + space.cleanup, state=state, client_name=client.name,
                        client_phone=client.phone, client_phone_index=client.phone_index, client_email=client.email,
                        special_requirements=rng.choice(REQUESTS), base_price=price.base_price,
                        equipment_price=price.equipment_price, discount=price.discount,
                        total_price=price.total_price, payment_status=payment,
                        source=source,
                        # Guests book on the website themselves; staff take phone and walk-in bookings.
                        created_by=None if source == BookingSource.WEBSITE else rng.choice(staff),
                    )
                    bookings.append(booking)
                    lines.extend(BookingEquipment(booking=booking, equipment=item, quantity=1, price=price.lines[item])
                                 for item in chosen)
                    transitions.extend(self.history(booking, start, rng.choice(staff)))
                    hour += hours + (1 if space.cleanup_minutes else 0) + rng.choice([0, 0, 1, 2])
        Booking.objects.bulk_create(bookings)
        BookingEquipment.objects.bulk_create(lines)
        BookingTransition.objects.bulk_create(transitions)
        return len(bookings)

    @staticmethod
    def unique_reference(start, taken: set[str]) -> str:
        """A reference not yet used in this batch (bulk_create would fail on the unique constraint)."""
        reference = new_reference(start)
        while reference in taken:
            reference = new_reference(start)
        taken.add(reference)
        return reference

    @staticmethod
    def state_for(rng, start, end, now) -> tuple[str, str]:
        roll = rng.random()
        if end <= now:
            if roll < 0.08:
                return BookingState.NO_SHOW, PaymentStatus.PENDING
            if roll < 0.18:
                return BookingState.CANCELLED, rng.choice([PaymentStatus.PENDING, PaymentStatus.REFUNDED])
            return BookingState.COMPLETED, PaymentStatus.PAID
        if start <= now:
            return BookingState.IN_PROGRESS, rng.choice([PaymentStatus.DEPOSIT_PAID, PaymentStatus.PAID])
        if roll < 0.03:
            return BookingState.DRAFT, PaymentStatus.PENDING
        if roll < 0.1:
            return BookingState.CANCELLED, PaymentStatus.PENDING
        if roll < 0.45:
            return BookingState.PENDING, PaymentStatus.PENDING
        return BookingState.CONFIRMED, rng.choice([PaymentStatus.PENDING, PaymentStatus.DEPOSIT_PAID])

    @staticmethod
    def history(booking, start, employee) -> list[BookingTransition]:
        """The transitions that led to the booking's state, a plausible time apart."""
        path = {
            BookingState.DRAFT: [],
            BookingState.PENDING: ["pending"],
            BookingState.CONFIRMED: ["pending", "confirmed"],
            BookingState.IN_PROGRESS: ["pending", "confirmed", "in_progress"],
            BookingState.COMPLETED: ["pending", "confirmed", "in_progress", "completed"],
            BookingState.CANCELLED: ["pending", "cancelled"],
            BookingState.NO_SHOW: ["pending", "confirmed", "no_show"],
        }[booking.state]
        at = start - timedelta(days=3)
        rows, previous = [], BookingState.DRAFT
        for state in path:
            reason = {"cancelled": "Client asked to cancel", "no_show": "Client did not arrive"}.get(state, "")
            by_guest = state == "pending" and booking.source == BookingSource.WEBSITE
            rows.append(BookingTransition(
                booking=booking, from_state=previous, to_state=state, actor=None if by_guest else employee,
                actor_kind="guest" if by_guest else "employee", at=min(at, timezone.now()), reason=reason,
            ))
            previous = state
            at = start if state in ("confirmed", "in_progress") else at + timedelta(days=1)
            if state == "in_progress":
                at = start + timedelta(minutes=5)
        return rows
