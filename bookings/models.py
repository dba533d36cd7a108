import re
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.ddl_references import Statement
from django.db.models import Func, Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, can_proceed, transition

from .phones import display_phone
from .pii import EncryptedTextField

ZERO = Decimal("0.00")
HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
# The longest cleanup a hall may keep after a booking. With the longest booking it bounds how far back a booking
# that overlaps a given time can start (bookings.availability.LONGEST_HOLD), which keeps overlap checks on the
# rows near that time.
MAX_CLEANUP_MINUTES = 12 * 60


class PostgresGinIndex(GinIndex):
    """A GIN index where the database has them (trigram search on PostgreSQL); elsewhere none, and a search
    scans the table as SQLite always has."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("")
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return Statement("")
        return super().remove_sql(model, schema_editor, **kwargs)


def trigram_index(field: str, name: str) -> PostgresGinIndex:
    """What ``field__icontains`` needs on PostgreSQL, which compares ``UPPER(field) LIKE UPPER(%text%)``."""
    return PostgresGinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


class Space(models.Model):
    """A hall of the studio, rented by the hour."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    photo = models.ImageField(upload_to="spaces/", blank=True)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    colour = models.CharField(max_length=7, default="#4f7cac", help_text="Hex colour, e.g. #4f7cac",
                              validators=[RegexValidator(HEX_COLOUR, "Enter a colour as #rrggbb, e.g. #4f7cac.")])
    capacity = models.PositiveSmallIntegerField(default=10, help_text="People the hall holds")
    cleanup_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after each booking for cleaning and resetting the set.",
        validators=[MaxValueValidator(MAX_CLEANUP_MINUTES)],
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_space_bookings", "Can work on the bookings of this space")]
        constraints = [
            models.CheckConstraint(condition=Q(cleanup_minutes__lte=MAX_CLEANUP_MINUTES), name="space_cleanup_at_most_max"),
        ]

    def __str__(self):
        return self.name

    @property
    def cleanup(self) -> timedelta:
        return timedelta(minutes=self.cleanup_minutes)

    @property
    def css_colour(self) -> str:
        """The colour, safe to put in a style attribute (rows from before validation included)."""
        return self.colour if re.fullmatch(HEX_COLOUR, self.colour or "") else "#8a94a3"


class SpaceRate(models.Model):
    """A different hourly rate for some hours of the week (evenings, weekends)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="rates")
    label = models.CharField(max_length=60, help_text="e.g. Weekend, Evening")
    weekday = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        choices=[(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"),
                 (5, "Saturday"), (6, "Sunday")],
        help_text="Leave empty for every day.",
    )
    start_hour = models.PositiveSmallIntegerField()
    end_hour = models.PositiveSmallIntegerField()
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])

    class Meta:
        ordering = ["space", "weekday", "start_hour"]
        constraints = [
            models.CheckConstraint(condition=Q(start_hour__lt=models.F("end_hour")), name="space_rate_hours_order"),
            models.CheckConstraint(condition=Q(end_hour__lte=24), name="space_rate_end_hour_in_day"),
        ]

    def __str__(self):
        return f"{self.space}: {self.label} {self.hourly_rate}"

    def applies_to(self, local_start) -> bool:
        weekday_matches = self.weekday is None or self.weekday == local_start.weekday()
        return weekday_matches and self.start_hour <= local_start.hour < self.end_hour


class EquipmentPricing(models.TextChoices):
    PER_HOUR = "per_hour", "Per hour"
    FLAT = "flat", "Flat fee"


class Equipment(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    pricing = models.CharField(max_length=10, choices=EquipmentPricing.choices, default=EquipmentPricing.PER_HOUR)
    stock = models.PositiveSmallIntegerField(default=1, help_text="Units the studio owns")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "equipment"

    def __str__(self):
        return self.name

    def price_for(self, hours: int, quantity: int = 1) -> Decimal:
        per_unit = self.price * hours if self.pricing == EquipmentPricing.PER_HOUR else self.price
        return per_unit * quantity


class DiscountKind(models.TextChoices):
    PERCENT = "percent", "Percent"
    FIXED = "fixed", "Fixed amount"


class PromoCode(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="Stored in capitals; guests type it in any case.")
    kind = models.CharField(max_length=10, choices=DiscountKind.choices, default=DiscountKind.PERCENT)
    value = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty for unlimited")
    times_used = models.PositiveIntegerField(default=0, editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="fixed") | Q(value__lte=100), name="promo_percent_at_most_100"
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def unusable_reason(self, at=None) -> str:
        """Why the code cannot be used now, or an empty string when it can."""
        at = at or timezone.now()
        if not self.is_active:
            return "This promo code is no longer active."
        if self.valid_from and at < self.valid_from:
            return "This promo code is not valid yet."
        if self.valid_until and at >= self.valid_until:
            return "This promo code has expired."
        if self.usage_limit is not None and self.times_used >= self.usage_limit:
            return "This promo code has been used up."
        return ""

    def discount_on(self, amount: Decimal) -> Decimal:
        if self.kind == DiscountKind.PERCENT:
            discount = (amount * self.value / Decimal(100)).quantize(Decimal("0.01"))
        else:
            discount = self.value
        return min(discount, amount)


class Client(models.Model):
    """A guest, known by their normalised phone number. Guests never have an account."""

    phone = EncryptedTextField()
    phone_index = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(max_length=150)
    email = EncryptedTextField(blank=True)
    notes = models.TextField(blank=True, max_length=4000)
    do_not_book = models.BooleanField(default=False, help_text="Staff are warned before booking this client.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="client_name_idx"), trigram_index("name", "client_name_trgm")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("client_detail", args=[self.pk])

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone)


class BookingState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Bookings in these states hold their slot: no two of one space overlap. The services check it under a lock on
# the space; on PostgreSQL the exclusion constraint below refuses an overlapping row outright.
ACTIVE_STATES = (BookingState.PENDING, BookingState.CONFIRMED, BookingState.IN_PROGRESS, BookingState.COMPLETED)
FINAL_STATES = (BookingState.COMPLETED, BookingState.CANCELLED, BookingState.NO_SHOW)
# Moving to these needs a reason from whoever does it.
REASON_REQUIRED_STATES = (BookingState.CANCELLED, BookingState.NO_SHOW)
# The method on Booking that moves it to each state, in the state machine's order.
TRANSITION_METHODS = {
    BookingState.PENDING: "submit",
    BookingState.CONFIRMED: "confirm",
    BookingState.CANCELLED: "cancel",
    BookingState.IN_PROGRESS: "start_session",
    BookingState.NO_SHOW: "mark_no_show",
    BookingState.COMPLETED: "complete",
}
# What the button that moves a booking to each state says.
TRANSITION_LABELS = {
    BookingState.PENDING: _("Submit"),
    BookingState.CONFIRMED: _("Confirm"),
    BookingState.IN_PROGRESS: _("Start session"),
    BookingState.COMPLETED: _("Complete"),
    BookingState.CANCELLED: _("Cancel booking"),
    BookingState.NO_SHOW: _("Mark no-show"),
}


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DEPOSIT_PAID = "deposit_paid", "Deposit paid"
    PAID = "paid", "Paid"
    REFUNDED = "refunded", "Refunded"


class BookingSource(models.TextChoices):
    WEBSITE = "website", "Website"
    PHONE = "phone", "Phone"
    WALK_IN = "walk_in", "Walk-in"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint where the database has them; elsewhere the services do the check."""

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if schema_editor.connection.vendor == "postgresql" else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if schema_editor.connection.vendor == "postgresql" else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if schema_editor.connection.vendor == "postgresql" else None

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


def has_started(booking) -> bool:
    return timezone.now() >= booking.start


class Booking(models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # end plus the space's cleanup buffer at the time of booking: what the slot really occupies.
    occupied_until = models.DateTimeField(editable=False)
    state = FSMField(max_length=16, choices=BookingState.choices, default=BookingState.DRAFT)

    client_name = models.CharField(max_length=150)
    client_phone = EncryptedTextField()
    client_phone_index = models.CharField(max_length=64, db_index=True, editable=False)
    client_email = EncryptedTextField(blank=True)
    equipment = models.ManyToManyField(Equipment, through="BookingEquipment", blank=True)
    special_requirements = models.TextField(blank=True, max_length=2000)

    base_price = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    equipment_price = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    total_price = models.DecimalField(max_digits=10, decimal_places=2, default=ZERO)
    promo_code = models.ForeignKey(PromoCode, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings")
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    source = models.CharField(max_length=10, choices=BookingSource.choices, default=BookingSource.PHONE)

    notes = models.TextField(blank=True, max_length=2000)
    internal_notes = models.TextField(blank=True, max_length=4000, help_text="Staff only; never shown to the guest.")

    consent_policy_version = models.CharField(max_length=20, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["start", "space"]
        indexes = [
            models.Index(fields=["space", "start"]),
            models.Index(fields=["state", "start"]),
            # The list's sorts, newest first by default; a client's card, latest first.
            models.Index(fields=["start", "id"], name="booking_start_idx"),
            models.Index(fields=["created_at", "id"], name="booking_created_idx"),
            models.Index(fields=["total_price", "id"], name="booking_total_idx"),
            models.Index(fields=["client_name", "id"], name="booking_client_name_idx"),
            models.Index(fields=["client", "start"], name="booking_client_start_idx"),
            trigram_index("client_name", "booking_client_name_trgm"),
            trigram_index("reference", "booking_reference_trgm"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="booking_ends_after_start"),
            # What the slot holds runs at least to the end, so the overlap constraint sees the whole booking.
            models.CheckConstraint(condition=Q(occupied_until__gte=models.F("end")),
                                   name="booking_occupies_at_least_its_time"),
            models.CheckConstraint(condition=Q(total_price__gte=0), name="booking_total_not_negative"),
            PostgresExclusionConstraint(
                name="booking_no_overlap_per_space",
                expressions=[
                    (TsTzRange("start", "occupied_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("space", RangeOperators.EQUAL),
                ],
                condition=Q(state__in=[s.value for s in ACTIVE_STATES]),
            ),
        ]

    def __str__(self):
        return self.reference

    def get_absolute_url(self):
        return reverse("booking_detail", args=[self.pk])

    @property
    def duration_hours(self) -> int:
        return int((self.end - self.start).total_seconds() // 3600)

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def is_final(self) -> bool:
        """Completed, cancelled or no-show: the state can no longer change, nor the time or equipment."""
        return self.state in FINAL_STATES

    @property
    def can_reschedule(self) -> bool:
        """Its time, hall and equipment may still change."""
        return not self.is_final

    @staticmethod
    def needs_reason(to: str) -> bool:
        """A move to ``to`` must say why (cancel, no-show)."""
        return to in REASON_REQUIRED_STATES

    def transition_refusal(self, to: str) -> str:
        """Why this booking cannot move to ``to`` now, or an empty string if it can."""
        method_name = TRANSITION_METHODS.get(to)
        if method_name is None:
            return _("A booking cannot be moved to %(state)s.") % {"state": to}
        target = BookingState(to).label
        method = getattr(self, method_name)
        if self.state == to:
            return _("%(reference)s is already %(state)s.") % {"reference": self.reference, "state": str(target).lower()}
        if not can_proceed(method, check_conditions=False):
            return _("A %(current)s booking cannot become %(state)s.") % {
                "current": self.get_state_display().lower(), "state": str(target).lower()}
        if not can_proceed(method):
            return _("%(state)s can only be set from the start time (%(start)s).") % {
                "state": target, "start": f"{timezone.localtime(self.start):%d %b %H:%M}"}
        return ""

    def next_states(self) -> list[BookingState]:
        """The states this booking can move to now, in the state machine's order."""
        return [state for state in TRANSITION_METHODS if not self.transition_refusal(state)]

    def move_to(self, to: str) -> None:
        """Change the state in memory through the state machine; the caller saves (``booking_transition``)."""
        getattr(self, TRANSITION_METHODS[to])()

    @property
    def client_phone_display(self) -> str:
        return display_phone(self.client_phone)

    @property
    def client_first_name(self) -> str:
        return self.client_name.split(" ")[0] if self.client_name else ""

    def can_guest_cancel(self, now=None) -> bool:
        now = now or timezone.now()
        notice = timedelta(hours=settings.GUEST_CANCELLATION_HOURS)
        return self.state in (BookingState.PENDING, BookingState.CONFIRMED) and self.start - now >= notice

    # --- State machine (django-fsm-2). Called only through bookings.services.booking_transition. ---

    @transition(field=state, source=BookingState.DRAFT, target=BookingState.PENDING)
    def submit(self):
        pass

    @transition(field=state, source=BookingState.PENDING, target=BookingState.CONFIRMED)
    def confirm(self):
        pass

    @transition(field=state, source=[BookingState.PENDING, BookingState.CONFIRMED], target=BookingState.CANCELLED)
    def cancel(self):
        pass

    @transition(
        field=state, source=BookingState.CONFIRMED, target=BookingState.IN_PROGRESS, conditions=[has_started]
    )
    def start_session(self):
        pass

    @transition(field=state, source=BookingState.CONFIRMED, target=BookingState.NO_SHOW, conditions=[has_started])
    def mark_no_show(self):
        pass

    @transition(field=state, source=BookingState.IN_PROGRESS, target=BookingState.COMPLETED)
    def complete(self):
        pass


class BookingEquipment(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="equipment_lines")
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="booking_lines")
    quantity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    price = models.DecimalField(max_digits=10, decimal_places=2, help_text="Price of the line at booking time")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "equipment"], name="booking_equipment_once")]

    def __str__(self):
        return f"{self.equipment} × {self.quantity}"


class ActorKind(models.TextChoices):
    EMPLOYEE = "employee", "Employee"
    GUEST = "guest", "Guest"
    SYSTEM = "system", "System"


class BookingTransition(models.Model):
    """One change of a booking's state: who, when, from what, to what, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=BookingState.choices)
    to_state = models.CharField(max_length=16, choices=BookingState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.booking}: {self.from_state} → {self.to_state}"

    @property
    def actor_label(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return self.get_actor_kind_display()


class BlockKind(models.TextChoices):
    MAINTENANCE = "maintenance", "Maintenance"
    PRIVATE_EVENT = "private_event", "Private event"


class CalendarBlock(models.Model):
    """A space closed for a time range: nothing can be booked into it."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="blocks")
    start = models.DateTimeField()
    end = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=BlockKind.choices, default=BlockKind.MAINTENANCE)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["space", "end"], name="block_space_end_idx")]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="block_ends_after_start")]

    def __str__(self):
        return f"{self.space}: {self.get_kind_display()}"
