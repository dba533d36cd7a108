from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from studio_crm.formatting import amount_text, money, when

from . import models
from .errors import BookingError, error_text
from .search import bookings_matching
from .services import (
    block_create,
    block_delete,
    block_refusal,
    booking_set_payment,
    booking_transition,
    booking_update,
)


def yes_no(value: bool) -> str:
    """The admin's yes/no icon, its text in the reader's language (Django's own list columns say "True")."""
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{'yes' if value else 'no'}.svg"),
                       gettext("Yes") if value else gettext("No"))


def yes_no_column(field: str, description):
    """A list column showing the boolean ``field`` as ``yes_no``, sortable by it."""

    @admin.display(description=description, ordering=field)
    def column(self, obj):
        return yes_no(getattr(obj, field))

    return column


class SpaceRateInline(admin.TabularInline):
    model = models.SpaceRate
    extra = 0


@admin.register(models.Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "rate", "capacity", "cleanup_minutes", "active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpaceRateInline]
    active = yes_no_column("is_active", _("active"))

    @admin.display(description=_("hourly rate"), ordering="hourly_rate")
    def rate(self, space):
        return money(space.hourly_rate)


@admin.register(models.Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "cost", "pricing", "stock", "active"]
    list_filter = ["pricing", "is_active"]
    search_fields = ["name"]
    active = yes_no_column("is_active", _("active"))

    @admin.display(description=_("price"), ordering="price")
    def cost(self, equipment):
        return money(equipment.price)


@admin.register(models.PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "discount", "valid_from", "valid_until", "times_used", "usage_limit", "active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code"]
    readonly_fields = ["times_used"]
    active = yes_no_column("is_active", _("active"))

    @admin.display(description=_("discount"), ordering="value")
    def discount(self, promo):
        if promo.kind == models.DiscountKind.PERCENT:
            return gettext("%(number)s%%") % {"number": amount_text(promo.value)}
        return money(promo.value)


@admin.register(models.Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "phone_display", "not_to_book", "created_at"]
    list_filter = ["do_not_book"]
    search_fields = ["name"]
    fields = ["name", "phone_display", "email", "notes", "do_not_book", "created_at", "updated_at"]
    readonly_fields = ["phone_display", "created_at", "updated_at"]

    not_to_book = yes_no_column("do_not_book", _("do not book"))

    @admin.display(description=_("phone"))
    def phone_display(self, client):
        return client.phone_display


class BookingEquipmentInline(admin.TabularInline):
    model = models.BookingEquipment
    extra = 0
    can_delete = False
    fields = readonly_fields = ["equipment", "quantity", "line_price"]

    @admin.display(description=_("price"))
    def line_price(self, line):
        return money(line.price)

    def has_add_permission(self, request, obj=None):
        return False


class BookingTransitionInline(admin.TabularInline):
    model = models.BookingTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "actor", "actor_kind", "at", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Booking)
class BookingAdmin(admin.ModelAdmin):
    """Bookings are made and rescheduled in the back office; here owners read, annotate and act in bulk."""

    # The source is a filter: the columns leave room for the admin's side menu on a laptop.
    list_display = ["number", "space", "time", "state", "client_name", "total", "payment_status"]
    list_filter = ["state", "payment_status", "source", "space", ("start", admin.DateFieldListFilter)]
    search_fields = ["reference", "client_name"]  # shows the box; get_search_results does the search
    date_hierarchy = "start"
    list_select_related = ["space"]
    ordering = ["-start"]
    fieldsets = [
        (None, {"fields": ["reference", "space", "start", "end", "state", "source"]}),
        (_("Client"), {"fields": ["client_name", "client_phone_display", "client_email", "language",
                                  "special_requirements"]}),
        (_("Price and payment"), {"fields": ["hall_price", "equipment_cost", "discount_amount", "promo_code", "total",
                                             "payment_status"]}),
        (_("Notes"), {"fields": ["notes", "internal_notes"]}),
        (_("Consent to personal data processing"), {"fields": ["consent_policy_version", "consent_at", "consent_ip"]}),
        (pgettext_lazy("admin section", "Record"), {
            "fields": ["created_by", "created_at", "updated_by", "updated_at", "version"], "classes": ["collapse"]}),
    ]
    readonly_fields = [name for _title, section in fieldsets for name in section["fields"]
                       if name not in ("notes", "internal_notes")]
    inlines = [BookingEquipmentInline, BookingTransitionInline]
    actions = ["confirm_selected", "mark_paid"]

    def get_search_results(self, request, queryset, search_term):
        """The back office's search (a reference, the name, phone or email on a booking, its client), which the
        booking indexes serve; the admin's own OR of the columns would read every booking."""
        if not search_term.strip():
            return queryset, False
        return bookings_matching(queryset, search_term), False

    @admin.display(description=_("booking number"), ordering="reference")
    def number(self, booking):
        return format_html('<span class="nowrap">{}</span>', booking.reference)

    @admin.display(description=_("time"), ordering="start")
    def time(self, booking):
        """"31.12.2026, 20:00–22:00": the day and the hours in one narrow column."""
        return format_html('<span class="nowrap">{}, {}–{}</span>', when(booking.start, "numeric"),
                           when(booking.start, "time"), when(booking.end, "time"))

    @admin.display(description=_("total"), ordering="total_price")
    def total(self, booking):
        return format_html('<span class="nowrap">{}</span>', money(booking.total_price))

    @admin.display(description=_("hall price"))
    def hall_price(self, booking):
        return money(booking.base_price)

    @admin.display(description=_("equipment price"))
    def equipment_cost(self, booking):
        return money(booking.equipment_price)

    @admin.display(description=_("discount"))
    def discount_amount(self, booking):
        return money(booking.discount)

    @admin.display(description=_("client's phone"))
    def client_phone_display(self, booking):
        return booking.client_phone_display

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        booking_update(booking=obj, version=obj.version, by=request.user, notes=obj.notes,
                       internal_notes=obj.internal_notes)

    def _each(self, request, queryset, operation, done) -> None:
        """``operation`` on each booking; each refusal as a warning, then ``done`` (a plural keyed by
        ``count``) says how many it took."""
        count = 0
        for booking in queryset:
            try:
                operation(booking)
                count += 1
            except (BookingError, ValidationError) as error:
                self.message_user(request, f"{booking.reference}: {error_text(error)}", messages.WARNING)
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Confirm selected bookings"))
    def confirm_selected(self, request, queryset):
        self._each(request, queryset, lambda b: booking_transition(booking=b, to=models.BookingState.CONFIRMED,
                                                                   by=request.user),
                   ngettext_lazy("%(count)s booking confirmed.", "%(count)s bookings confirmed.", "count"))

    @admin.action(description=_("Mark selected bookings paid"))
    def mark_paid(self, request, queryset):
        self._each(request, queryset, lambda b: booking_set_payment(booking=b, status=models.PaymentStatus.PAID,
                                                                    by=request.user),
                   ngettext_lazy("%(count)s booking marked paid.", "%(count)s bookings marked paid.", "count"))


@admin.register(models.BookingTransition)
class BookingTransitionAdmin(admin.ModelAdmin):
    list_display = ["booking", "from_state", "to_state", "actor", "actor_kind", "at"]
    list_filter = ["to_state", "actor_kind"]
    search_fields = ["booking__reference", "reason"]
    list_select_related = ["booking", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CalendarBlockForm(forms.ModelForm):
    class Meta:
        model = models.CalendarBlock
        fields = ["space", "kind", "start", "end", "note"]

    def clean(self):
        cleaned = super().clean()
        space, start, end = cleaned.get("space"), cleaned.get("start"), cleaned.get("end")
        if self.instance.pk is None and space and start and end and end > start:
            refusal = block_refusal(space=space, start=start, end=end)
            if refusal:
                raise ValidationError(refusal)
        return cleaned


@admin.register(models.CalendarBlock)
class CalendarBlockAdmin(admin.ModelAdmin):
    """Blocks are made and removed through the block services, which refuse to close a hall over
    active bookings. A block's time is changed by removing it and closing the hall again."""

    form = CalendarBlockForm
    list_display = ["space", "kind", "start", "end", "note", "created_by"]
    list_filter = ["kind", "space"]
    date_hierarchy = "start"

    def get_readonly_fields(self, request, obj=None):
        return ["space", "kind", "start", "end", "note"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        block = block_create(space=obj.space, start=obj.start, end=obj.end, kind=obj.kind, note=obj.note,
                             by=request.user)
        obj.pk = block.pk

    def delete_model(self, request, obj):
        block_delete(block=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for block in queryset:
            self.delete_model(request, block)
