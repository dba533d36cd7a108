"""A demo studio that makes every page look alive. Safe to run again: it adds only what is missing."""

import random
from base64 import b32encode
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
from studio_crm.formatting import when

DEMO_PASSWORD = "studio-demo-2026"

# The demo studio speaks the studio's language (STUDIO_LANGUAGE): its halls, equipment, staff and clients are
# named in it. Slugs and usernames are the same in every language (links and sign-in stay as the README says).
SPACES = {
    "ru": [
        {"slug": "white-hall", "name": "Белый зал", "hourly_rate": Decimal("2500"), "colour": "#4f7cac", "capacity": 12,
         "description": "80 м² с белой циклорамой в углу, окнами на север и блэкаут-шторами."},
        {"slug": "loft", "name": "Лофт", "hourly_rate": Decimal("3000"), "colour": "#c2734a", "capacity": 8,
         "description": "Кирпичные стены, кожаный диван и тёплый дневной свет из трёх высоких окон."},
        {"slug": "cyclorama", "name": "Циклорама", "hourly_rate": Decimal("4000"), "colour": "#5a9e6f",
         "capacity": 20, "cleanup_minutes": 30,
         "description": "Шестиметровая безграничная циклорама, потолочные рельсы и заезд для автомобилей."},
    ],
    "en": [
        {"slug": "white-hall", "name": "White Hall", "hourly_rate": Decimal("2500"), "colour": "#4f7cac",
         "capacity": 12, "description": "80 m² with a white cyclorama corner, north windows and blackout blinds."},
        {"slug": "loft", "name": "Loft", "hourly_rate": Decimal("3000"), "colour": "#c2734a", "capacity": 8,
         "description": "Brick walls, a leather sofa and warm daylight from three tall windows."},
        {"slug": "cyclorama", "name": "Cyclorama", "hourly_rate": Decimal("4000"), "colour": "#5a9e6f",
         "capacity": 20, "cleanup_minutes": 30,
         "description": "A 6 m infinity cove with a ceiling rig and drive-in access for cars."},
    ],
}
# Loft's evening and weekend rates: (label of the evening rate, label of the weekend rate).
RATE_LABELS = {"ru": ("Вечер", "Выходные"), "en": ("Evening", "Weekend")}
EQUIPMENT = {
    "ru": [
        ("Вспышка Profoto B10", Decimal("600"), EquipmentPricing.PER_HOUR, 4),
        ("Софтбокс 120 см", Decimal("300"), EquipmentPricing.PER_HOUR, 6),
        ("Дым-машина", Decimal("1500"), EquipmentPricing.FLAT, 3),
        ("Бумажный фон, рулон", Decimal("900"), EquipmentPricing.FLAT, 10),
    ],
    "en": [
        ("Profoto B10 flash", Decimal("600"), EquipmentPricing.PER_HOUR, 4),
        ("Softbox 120 cm", Decimal("300"), EquipmentPricing.PER_HOUR, 6),
        ("Smoke machine", Decimal("1500"), EquipmentPricing.FLAT, 3),
        ("Paper backdrop roll", Decimal("900"), EquipmentPricing.FLAT, 10),
    ],
}
# username, full name in each language, role, the halls a manager works on.
EMPLOYEES = [
    ("owner", {"ru": "Ольга Соколова", "en": "Olga Sokolova"}, Role.OWNER, []),
    ("admin", {"ru": "Антон Белов", "en": "Anton Belov"}, Role.ADMIN, []),
    ("maria", {"ru": "Мария Иванова", "en": "Maria Ivanova"}, Role.MANAGER, ["white-hall", "loft"]),
    ("pavel", {"ru": "Павел Смирнов", "en": "Pavel Smirnov"}, Role.MANAGER, ["cyclorama"]),
]
DEPARTMENTS = {"ru": ("Ресепшен", "Управление"), "en": ("Front desk", "Management")}
# Russian surnames agree with the person: (women's first names, men's first names), (her surname, his surname).
FIRST_NAMES = {
    "ru": (["Анна", "Ирина", "Елена", "Ольга", "Дарья", "Полина", "Вера", "София", "Ксения", "Алина", "Юлия"],
           ["Дмитрий", "Сергей", "Никита", "Алексей", "Кирилл", "Максим", "Илья", "Роман", "Егор"]),
    "en": (["Anna", "Irina", "Elena", "Olga", "Daria", "Polina", "Vera", "Sofia", "Ksenia", "Alina", "Yulia"],
           ["Dmitry", "Sergey", "Nikita", "Alexei", "Kirill", "Maxim", "Ilya", "Roman", "Egor"]),
}
LAST_NAMES = {
    "ru": [("Петрова", "Петров"), ("Кузнецова", "Кузнецов"), ("Волкова", "Волков"), ("Морозова", "Морозов"),
           ("Лебедева", "Лебедев"), ("Новикова", "Новиков"), ("Фёдорова", "Фёдоров"), ("Орлова", "Орлов"),
           ("Павлова", "Павлов"), ("Зайцева", "Зайцев"), ("Семёнова", "Семёнов"), ("Голубева", "Голубев")],
    "en": [("Petrova", "Petrov"), ("Kuznetsova", "Kuznetsov"), ("Volkova", "Volkov"), ("Morozova", "Morozov"),
           ("Lebedeva", "Lebedev"), ("Novikova", "Novikov"), ("Fedorova", "Fedorov"), ("Orlova", "Orlov"),
           ("Pavlova", "Pavlov"), ("Zaitseva", "Zaitsev"), ("Semenova", "Semenov"), ("Golubeva", "Golubev")],
}
# The Latin spelling of a client's first name, for their demo e-mail address in any language.
EMAIL_NAMES = dict(zip(FIRST_NAMES["ru"][0] + FIRST_NAMES["ru"][1], FIRST_NAMES["en"][0] + FIRST_NAMES["en"][1],
                       strict=True))
REQUESTS = {
    "ru": ["", "", "", "Нужна гримёрка", "Придём с собакой", "Подготовьте, пожалуйста, белый бумажный фон",
           "Визажист приедет на 30 минут раньше", "Предметная съёмка, нужен стол"],
    "en": ["", "", "", "Need a changing room", "Bringing a dog", "Please prepare a white paper backdrop",
           "Hair and make-up artist arrives 30 min early", "Product shoot, need a table"],
}
DO_NOT_BOOK_NOTE = {"ru": "Дважды оставляли Лофт в беспорядке; просите предоплату.",
                    "en": "Left the Loft in a mess twice; ask for a deposit."}
REASONS = {
    "ru": {"cancelled": "Клиент попросил отменить", "no_show": "Клиент не пришёл"},
    "en": {"cancelled": "Client asked to cancel", "no_show": "Client did not arrive"},
}


DAYS_AROUND = 30  # bookings from this many days ago to this many days ahead


def demo_language() -> str:
    """The language the demo studio's data is written in: the studio's (English for any other)."""
    return settings.STUDIO_LANGUAGE if settings.STUDIO_LANGUAGE in SPACES else "en"


class Command(BaseCommand):
    help = "Create a demo studio: spaces, equipment, staff and a few hundred bookings around today."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for a repeatable studio.")

    @transaction.atomic
    def handle(self, *args, seed, **options):
        rng = random.Random(seed)
        self.language = demo_language()
        spaces = self.spaces()
        equipment = self.equipment()
        self.promo_codes()
        staff, totp_key = self.employees(spaces)
        if Booking.objects.exists():
            self.stdout.write(_("Bookings already exist; leaving them as they are."))
        else:
            clients = self.clients(rng)
            count = self.bookings(rng, spaces, equipment, clients, staff)
            today = timezone.localdate()
            self.stdout.write(ngettext(
                "Created %(count)s booking from %(first)s to %(last)s.",
                "Created %(count)s bookings from %(first)s to %(last)s.",
                count,
            ) % {"count": count, "first": when(today - timedelta(days=DAYS_AROUND), "date"),
                 "last": when(today + timedelta(days=DAYS_AROUND), "date")})
        self.stdout.write(self.style.SUCCESS("\n" + _(
            "Demo studio ready. Sign in at %(url)s as %(username)s / %(password)s\n"
            "Second factor: add the demo key %(key)s to any authenticator app (or run "
            "`oathtool --totp -b %(key)s`); every demo employee shares it.\n"
            "Other demo staff: %(others)s (same password, same key)."
        ) % {"url": "http://127.0.0.1:8000/login/", "username": "owner", "password": DEMO_PASSWORD, "key": totp_key,
             "others": ", ".join(username for username, *_rest in EMPLOYEES[1:])}))

    def spaces(self) -> dict[str, Space]:
        spaces = {}
        for data in SPACES[self.language]:
            space, _created = Space.objects.get_or_create(slug=data["slug"], defaults=data)
            spaces[space.slug] = space
        loft = spaces["loft"]
        if not loft.rates.exists():
            evening, weekend = RATE_LABELS[self.language]
            SpaceRate.objects.create(space=loft, label=evening, start_hour=18, end_hour=22, hourly_rate=Decimal("3500"))
            for weekday in (5, 6):
                SpaceRate.objects.create(space=loft, label=weekend, weekday=weekday, start_hour=9, end_hour=22,
                                         hourly_rate=Decimal("3800"))
        return spaces

    def equipment(self) -> list[Equipment]:
        return [
            Equipment.objects.get_or_create(name=name, defaults={"price": price, "pricing": pricing, "stock": stock})[0]
            for name, price, pricing, stock in EQUIPMENT[self.language]
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
        front_desk, management = DEPARTMENTS[self.language]
        for username, full_names, role, space_slugs in EMPLOYEES:
            employee, created = Employee.objects.get_or_create(
                username=username,
                defaults={"full_name": full_names[self.language], "role": role, "email": f"{username}@studio.example",
                          "department": front_desk if role == Role.MANAGER else management},
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
        women, men = FIRST_NAMES[self.language]
        clients = []
        for n in range(60):
            phone = f"+7916{rng.randrange(10**7):07d}"
            is_woman = rng.random() < 0.55
            first = rng.choice(women if is_woman else men)
            her_surname, his_surname = rng.choice(LAST_NAMES[self.language])
            name = f"{first} {her_surname if is_woman else his_surname}"
            email = f"{EMAIL_NAMES.get(first, first).lower()}.{n}@mail.example" if rng.random() < 0.6 else ""
            client, _created = Client.objects.get_or_create(
                phone_index=blind_index(phone), defaults={"phone": phone, "name": name, "email": email}
            )
            clients.append(client)
        clients[0].do_not_book = True
        clients[0].notes = DO_NOT_BOOK_NOTE[self.language]
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
        for offset in range(-DAYS_AROUND, DAYS_AROUND + 1):
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
                        client_email_index=client.email_index,
                        special_requirements=rng.choice(REQUESTS[self.language]), base_price=price.base_price,
                        equipment_price=price.equipment_price, discount=price.discount,
                        total_price=price.total_price, payment_status=payment,
                        source=source,
                        # Guests book on the website themselves; staff take phone and walk-in bookings.
                        created_by=None if source == BookingSource.WEBSITE else rng.choice(staff),
                    )
                    bookings.append(booking)
                    lines.extend(BookingEquipment(booking=booking, equipment=item, quantity=1, price=price.lines[item])
                                 for item in chosen)
                    transitions.extend(self.history(booking, start, rng.choice(staff), REASONS[self.language]))
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
    def history(booking, start, employee, reasons: dict[str, str]) -> list[BookingTransition]:
        """The transitions that led to the booking's state, a plausible time apart; ``reasons`` for a cancel and a
        no-show, by state."""
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
            reason = reasons.get(state, "")
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
