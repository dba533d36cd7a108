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
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, can_proceed, transition

from studio_crm.formatting import money, when

from .phones import display_phone
from .pii import EncryptedTextField
from .search import email_index, phone_tail_index, search_key

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


def trigram_index(field: str, name: str, condition: Q | None = None) -> PostgresGinIndex:
    """What ``field__icontains`` needs on PostgreSQL, which compares ``UPPER(field) LIKE UPPER(%text%)``."""
    return PostgresGinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name, condition=condition)


class InAHall:
    """A row of one hall (a booking, a block, a rate) that remembers the hall it was read with, so that a change
    that moves it to another hall tells both halls (bookings.free_hours_cache)."""

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        row.loaded_space_id = row.__dict__.get("space_id")
        return row


class Space(models.Model):
    """A hall of the studio, rented by the hour."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("web address"), max_length=60, unique=True,
                            help_text=_("The hall's part of links and of the website's API, e.g. white-hall."))
    description = models.TextField(_("description"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="spaces/", blank=True)
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2,
                                      validators=[MinValueValidator(ZERO)])
    colour = models.CharField(
        _("colour"), max_length=7, default="#4f7cac", help_text=_("A hex colour code, e.g. #336699"),
        validators=[RegexValidator(HEX_COLOUR, _("Enter a colour as a hex code of six digits, e.g. #336699."))],
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=10, help_text=_("People the hall holds"))
    cleanup_minutes = models.PositiveSmallIntegerField(
        _("cleanup, minutes"), default=0,
        help_text=_("Time kept free after each booking for cleaning and resetting the set."),
        validators=[MaxValueValidator(MAX_CLEANUP_MINUTES)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("hall")
        verbose_name_plural = _("halls")
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


class SpaceRate(InAHall, models.Model):
    """A different hourly rate for some hours of the week (evenings, weekends)."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="rates", verbose_name=_("hall"))
    label = models.CharField(_("label"), max_length=60, help_text=_("e.g. Weekend, Evening"))
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        null=True,
        blank=True,
        choices=list(WEEKDAYS.items()),
        help_text=_("Leave empty for every day."),
    )
    start_hour = models.PositiveSmallIntegerField(_("from hour"), help_text=_("e.g. 18 for 18:00"))
    end_hour = models.PositiveSmallIntegerField(_("to hour"), help_text=_("e.g. 22 for 22:00; 24 for midnight"))
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2,
                                      validators=[MinValueValidator(ZERO)])

    class Meta:
        verbose_name = _("special rate")
        verbose_name_plural = _("special rates")
        ordering = ["space", "weekday", "start_hour"]
        constraints = [
            models.CheckConstraint(condition=Q(start_hour__lt=models.F("end_hour")), name="space_rate_hours_order"),
            models.CheckConstraint(condition=Q(end_hour__lte=24), name="space_rate_end_hour_in_day"),
        ]

    def __str__(self):
        return f"{self.space}: {self.label} {money(self.hourly_rate)}"

    def applies_to(self, local_start) -> bool:
        weekday_matches = self.weekday is None or self.weekday == local_start.weekday()
        return weekday_matches and self.start_hour <= local_start.hour < self.end_hour


class EquipmentPricing(models.TextChoices):
    PER_HOUR = "per_hour", _("Per hour")
    FLAT = "flat", _("Flat fee")


class Equipment(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    pricing = models.CharField(_("pricing"), max_length=10, choices=EquipmentPricing.choices,
                               default=EquipmentPricing.PER_HOUR)
    stock = models.PositiveSmallIntegerField(_("in stock"), default=1, help_text=_("Units the studio owns"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("equipment item")
        verbose_name_plural = _("equipment")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def price_for(self, hours: int, quantity: int = 1) -> Decimal:
        per_unit = self.price * hours if self.pricing == EquipmentPricing.PER_HOUR else self.price
        return per_unit * quantity


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("Percent")
    FIXED = "fixed", _("Fixed amount")


class PromoCode(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True,
                            help_text=_("Stored in capitals; guests type it in any case."))
    kind = models.CharField(_("discount kind"), max_length=10, choices=DiscountKind.choices,
                            default=DiscountKind.PERCENT)
    value = models.DecimalField(_("discount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)],
                                help_text=_("Percent off, or an amount off the total, as the kind says."))
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("usage limit"), null=True, blank=True,
                                              help_text=_("Empty for unlimited"))
    times_used = models.PositiveIntegerField(_("times used"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")
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
            return gettext("This promo code is no longer active.")
        if self.valid_from and at < self.valid_from:
            return gettext("This promo code is not valid yet.")
        if self.valid_until and at >= self.valid_until:
            return gettext("This promo code has expired.")
        if self.usage_limit is not None and self.times_used >= self.usage_limit:
            return gettext("This promo code has been used up.")
        return ""

    def discount_on(self, amount: Decimal) -> Decimal:
        if self.kind == DiscountKind.PERCENT:
            discount = (amount * self.value / Decimal(100)).quantize(Decimal("0.01"))
        else:
            discount = self.value
        return min(discount, amount)


# The search's copy of a client's field, by the field it is made of (Client.save keeps them together).
SEARCH_FIELDS = {"name": "search_name", "phone": "phone_tail_index", "email": "email_index"}
# A folded name can be longer than the name (one letter may fold to several).
SEARCH_NAME_LENGTH = 300


class Client(models.Model):
    """A guest, known by their normalised phone number. Guests never have an account."""

    phone = EncryptedTextField(_("phone"))
    phone_index = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(pgettext_lazy("a person's", "name"), max_length=150)
    email = EncryptedTextField(_("email"), blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    do_not_book = models.BooleanField(_("do not book"), default=False,
                                      help_text=_("Staff are warned before booking this client."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # What the search compares (bookings.search), kept by save() from the fields they are made of.
    search_name = models.CharField(_("name as searched"), max_length=SEARCH_NAME_LENGTH, blank=True, default="",
                                   editable=False)
    phone_tail_index = models.CharField(_("keyed index of the phone's last digits"), max_length=64, blank=True,
                                        default="", editable=False, db_index=True)
    email_index = models.CharField(_("keyed index of the email"), max_length=64, blank=True, default="",
                                   editable=False, db_index=True)

    class Meta:
        # The admin writes "Add %s", "Select %s to change": the Russian name must read the same as an object.
        verbose_name = pgettext_lazy("a record of", "client")
        verbose_name_plural = pgettext_lazy("records of", "clients")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name", "id"], name="client_name_idx"),
            trigram_index("name", "client_name_trgm"),
            # ``search_name__contains`` is a LIKE on the folded name, which a trigram index serves as it is.
            PostgresGinIndex(fields=["search_name"], opclasses=["gin_trgm_ops"], name="client_search_name_trgm"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        # A save of some fields touches only their copies (and reads no deferred field to make the others).
        sources = set(SEARCH_FIELDS) if update_fields is None else set(SEARCH_FIELDS) & set(update_fields)
        if "name" in sources:
            self.search_name = search_key(self.name)[:SEARCH_NAME_LENGTH]
        if "phone" in sources:
            self.phone_tail_index = phone_tail_index(self.phone)
        if "email" in sources:
            self.email_index = email_index(self.email)
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *(SEARCH_FIELDS[name] for name in sources)}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("client_detail", args=[self.pk])

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone)


class BookingState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("booking state", "Draft")
    PENDING = "pending", pgettext_lazy("booking state", "Pending")
    CONFIRMED = "confirmed", pgettext_lazy("booking state", "Confirmed")
    IN_PROGRESS = "in_progress", pgettext_lazy("booking state", "In progress")
    COMPLETED = "completed", pgettext_lazy("booking state", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("booking state", "Cancelled")
    NO_SHOW = "no_show", pgettext_lazy("booking state", "No-show")


# A state as it reads inside a sentence ("A completed booking cannot become confirmed."): lower case in English,
# and the form a Russian sentence quotes. Never ``label.lower()``, which is wrong in other languages.
STATES_IN_A_SENTENCE = {
    BookingState.DRAFT: pgettext_lazy("booking state in a sentence", "draft"),
    BookingState.PENDING: pgettext_lazy("booking state in a sentence", "pending"),
    BookingState.CONFIRMED: pgettext_lazy("booking state in a sentence", "confirmed"),
    BookingState.IN_PROGRESS: pgettext_lazy("booking state in a sentence", "in progress"),
    BookingState.COMPLETED: pgettext_lazy("booking state in a sentence", "completed"),
    BookingState.CANCELLED: pgettext_lazy("booking state in a sentence", "cancelled"),
    BookingState.NO_SHOW: pgettext_lazy("booking state in a sentence", "no-show"),
}


def state_in_a_sentence(state: str) -> str:
    """``state`` as a sentence quotes it (see STATES_IN_A_SENTENCE); an unknown state as it is."""
    return str(STATES_IN_A_SENTENCE.get(state, state))


# Bookings in these states hold their slot: no two of one space overlap. The services check it under a lock on
# the space; on PostgreSQL the exclusion constraint below refuses an overlapping row outright.
ACTIVE_STATES = (BookingState.PENDING, BookingState.CONFIRMED, BookingState.IN_PROGRESS, BookingState.COMPLETED)
# The rows the exclusion constraint covers: the active states but completed. A booking is completed only from in
# progress, so it has started, and no new or moved booking may start in the past: the services' check under the
# space's lock (which counts completed bookings) is all a completed row needs. Leaving them out keeps the
# constraint's index to the bookings that can still change, a few weeks' worth rather than years of history, and
# spares it a rewrite of every row anonymised after the retention period.
GUARDED_STATES = (BookingState.PENDING, BookingState.CONFIRMED, BookingState.IN_PROGRESS)
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
    PENDING = "pending", pgettext_lazy("payment status", "Pending")
    DEPOSIT_PAID = "deposit_paid", pgettext_lazy("payment status", "Deposit paid")
    PAID = "paid", pgettext_lazy("payment status", "Paid")
    REFUNDED = "refunded", pgettext_lazy("payment status", "Refunded")


# A payment status inside a sentence ("Payment of REF-…: deposit paid."), as STATES_IN_A_SENTENCE.
PAYMENT_STATUSES_IN_A_SENTENCE = {
    PaymentStatus.PENDING: pgettext_lazy("payment status in a sentence", "pending"),
    PaymentStatus.DEPOSIT_PAID: pgettext_lazy("payment status in a sentence", "deposit paid"),
    PaymentStatus.PAID: pgettext_lazy("payment status in a sentence", "paid"),
    PaymentStatus.REFUNDED: pgettext_lazy("payment status in a sentence", "refunded"),
}


def payment_in_a_sentence(status: str) -> str:
    return str(PAYMENT_STATUSES_IN_A_SENTENCE.get(status, status))


class BookingSource(models.TextChoices):
    WEBSITE = "website", pgettext_lazy("booking source", "Website")
    PHONE = "phone", pgettext_lazy("booking source", "Phone")
    WALK_IN = "walk_in", pgettext_lazy("booking source", "Walk-in")


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


# A booking that still names its guest: an anonymised one has no phone, so no phone index.
NAMES_ITS_GUEST = ~Q(client_phone_index="")


def has_started(booking) -> bool:
    return timezone.now() >= booking.start


class Booking(InAHall, models.Model):
    # Unique through a constraint (Meta) rather than unique=True, which on PostgreSQL adds a second, pattern-ops
    # index that only LIKE 'prefix%' would use; references are looked up exactly or by the trigram index.
    reference = models.CharField(_("booking number"), max_length=20, editable=False)
    # Neither foreign key has an index of its own: (space, start) and (client, start) below lead with them.
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("hall"),
                              db_index=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("client"),
                               db_index=False)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # end plus the space's cleanup buffer at the time of booking: what the slot really occupies.
    occupied_until = models.DateTimeField(_("occupied until"), editable=False)
    state = FSMField(_("state"), max_length=16, choices=BookingState.choices, default=BookingState.DRAFT)

    client_name = models.CharField(_("client's name"), max_length=150)
    client_phone = EncryptedTextField(_("client's phone"))
    client_phone_index = models.CharField(max_length=64, editable=False)  # indexed in Meta: exact look-ups only
    client_email = EncryptedTextField(_("client's email"), blank=True)
    # What finds a person's bookings by their email (a data-subject request) without decrypting every one.
    client_email_index = models.CharField(_("keyed index of the client's email"), max_length=64, blank=True,
                                          default="", editable=False)
    equipment = models.ManyToManyField(Equipment, through="BookingEquipment", blank=True, verbose_name=_("equipment"))
    special_requirements = models.TextField(_("special requirements"), blank=True, max_length=2000)

    base_price = models.DecimalField(_("hall price"), max_digits=10, decimal_places=2, default=ZERO)
    equipment_price = models.DecimalField(_("equipment price"), max_digits=10, decimal_places=2, default=ZERO)
    discount = models.DecimalField(_("discount"), max_digits=10, decimal_places=2, default=ZERO)
    total_price = models.DecimalField(_("total"), max_digits=10, decimal_places=2, default=ZERO)
    promo_code = models.ForeignKey(PromoCode, null=True, blank=True, on_delete=models.PROTECT, related_name="bookings",
                                   verbose_name=_("promo code"), db_index=False)
    payment_status = models.CharField(_("payment"), max_length=16, choices=PaymentStatus.choices,
                                      default=PaymentStatus.PENDING)
    source = models.CharField(_("source"), max_length=10, choices=BookingSource.choices, default=BookingSource.PHONE)
    # The guest's language when they booked: their emails are written in it (blank: STUDIO_LANGUAGE).
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)

    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    internal_notes = models.TextField(_("internal notes"), blank=True, max_length=4000,
                                      help_text=_("Staff only; never shown to the guest."))

    consent_policy_version = models.CharField(_("privacy policy version"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_ip = models.GenericIPAddressField(_("consent IP address"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"), db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("updated by"), db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
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
            # The indexes that find a guest leave out the anonymised bookings (nobody's name, phone or email), and
            # those of the optional foreign keys the bookings without one (most come from the website): a row
            # rewritten by the retention, or a guest's booking made, goes into fewer indexes.
            models.Index(fields=["client_phone_index"], condition=NAMES_ITS_GUEST, name="booking_phone_index_idx"),
            # Only the bookings that carry an email: most do not, and an anonymised one no longer does.
            models.Index(fields=["client_email_index"], condition=~Q(client_email_index=""),
                         name="booking_email_index_idx"),
            trigram_index("client_name", "booking_client_name_trgm", condition=NAMES_ITS_GUEST),
            trigram_index("reference", "booking_reference_trgm"),
            models.Index(fields=["created_by"], condition=Q(created_by__isnull=False), name="booking_created_by_idx"),
            models.Index(fields=["updated_by"], condition=Q(updated_by__isnull=False), name="booking_updated_by_idx"),
            models.Index(fields=["promo_code"], condition=Q(promo_code__isnull=False), name="booking_promo_code_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="booking_reference_unique"),
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
                condition=Q(state__in=[s.value for s in GUARDED_STATES]),
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "client_email" in update_fields:
            self.client_email_index = email_index(self.client_email)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "client_email_index"}
        super().save(*args, **kwargs)

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

    @property
    def state_in_a_sentence(self) -> str:
        """The state as a sentence quotes it: "This booking is %(state)s." (never ``get_state_display().lower()``)."""
        return state_in_a_sentence(self.state)

    def transition_refusal(self, to: str) -> str:
        """Why this booking cannot move to ``to`` now, or an empty string if it can."""
        method_name = TRANSITION_METHODS.get(to)
        if method_name is None:
            return gettext("A booking cannot be moved to %(state)s.") % {"state": to}
        method = getattr(self, method_name)
        if self.state == to:
            return gettext("%(reference)s is already %(state)s.") % {
                "reference": self.reference, "state": state_in_a_sentence(to)}
        if not can_proceed(method, check_conditions=False):
            return gettext("A %(current)s booking cannot become %(state)s.") % {
                "current": self.state_in_a_sentence, "state": state_in_a_sentence(to)}
        if not can_proceed(method):
            return gettext("%(state)s can only be set from the start time (%(start)s).") % {
                "state": BookingState(to).label, "start": when(self.start, "short_datetime")}
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
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="equipment_lines",
                                verbose_name=_("booking"))
    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="booking_lines",
                                  verbose_name=_("equipment"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1, validators=[MinValueValidator(1)])
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2,
                                help_text=_("Price of the line at booking time"))

    class Meta:
        verbose_name = _("booked equipment")
        verbose_name_plural = _("booked equipment")
        constraints = [models.UniqueConstraint(fields=["booking", "equipment"], name="booking_equipment_once")]

    def __str__(self):
        return f"{self.equipment} × {self.quantity}"


class ActorKind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    GUEST = "guest", _("Guest")
    SYSTEM = "system", _("System")


class BookingTransition(models.Model):
    """One change of a booking's state: who, when, from what, to what, and why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transitions",
                                verbose_name=_("booking"))
    from_state = models.CharField(_("from state"), max_length=16, choices=BookingState.choices)
    to_state = models.CharField(_("to state"), max_length=16, choices=BookingState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("employee"),
    )
    actor_kind = models.CharField(_("who"), max_length=10, choices=ActorKind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.booking}: {self.get_from_state_display()} → {self.get_to_state_display()}"

    @property
    def actor_label(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return self.get_actor_kind_display()


class BlockKind(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    PRIVATE_EVENT = "private_event", _("Private event")


# A block's kind inside a sentence: "White Hall is closed Fri 27 Nov, 10:00–12:00 (maintenance)."
BLOCK_KINDS_IN_A_SENTENCE = {
    BlockKind.MAINTENANCE: pgettext_lazy("calendar block in a sentence", "maintenance"),
    BlockKind.PRIVATE_EVENT: pgettext_lazy("calendar block in a sentence", "private event"),
}


class CalendarBlock(InAHall, models.Model):
    """A space closed for a time range: nothing can be booked into it."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("hall"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    kind = models.CharField(pgettext_lazy("calendar block", "closed for"), max_length=16, choices=BlockKind.choices,
                            default=BlockKind.MAINTENANCE)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar block")
        verbose_name_plural = _("calendar blocks")
        ordering = ["start"]
        indexes = [models.Index(fields=["space", "end"], name="block_space_end_idx")]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="block_ends_after_start")]

    def __str__(self):
        return f"{self.space}: {self.get_kind_display()}"

    @property
    def kind_in_a_sentence(self) -> str:
        return str(BLOCK_KINDS_IN_A_SENTENCE.get(self.kind, self.kind))


# The studio's opening hours and special days live in a module of their own.
from bookings.hours import OpeningHours, SpecialDay  # noqa: E402, F401
