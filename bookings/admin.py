from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import models
from .errors import BookingError, error_text
from .services import (
    block_create,
    block_delete,
    block_refusal,
    booking_set_payment,
    booking_transition,
    booking_update,
)


class SpaceRateInline(admin.TabularInline):
    model = models.SpaceRate
    extra = 0


@admin.register(models.Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "hourly_rate", "capacity", "cleanup_minutes", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SpaceRateInline]


@admin.register(models.Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "price", "pricing", "stock", "is_active"]
    list_filter = ["pricing", "is_active"]
    search_fields = ["name"]


@admin.register(models.PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "value", "valid_from", "valid_until", "times_used", "usage_limit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code"]
    readonly_fields = ["times_used"]


@admin.register(models.Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "phone_display", "do_not_book", "created_at"]
    list_filter = ["do_not_book"]
    search_fields = ["name"]
    fields = ["name", "phone_display", "email", "notes", "do_not_book", "created_at", "updated_at"]
    readonly_fields = ["phone_display", "created_at", "updated_at"]

    @admin.display(description="Phone")
    def phone_display(self, client):
        return client.phone_display


class BookingEquipmentInline(admin.TabularInline):
    model = models.BookingEquipment
    extra = 0
    can_delete = False
    readonly_fields = ["equipment", "quantity", "price"]

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

    list_display = ["reference", "space", "start", "end", "state", "client_name", "total_price", "payment_status",
                    "source"]
    list_filter = ["state", "payment_status", "source", "space", ("start", admin.DateFieldListFilter)]
    search_fields = ["reference", "client_name"]
    date_hierarchy = "start"
    list_select_related = ["space"]
    ordering = ["-start"]
    fields = ["reference", "space", "start", "end", "state", "client_name", "client_phone_display", "client_email",
              "special_requirements", "base_price", "equipment_price", "discount", "total_price", "promo_code",
              "payment_status", "source", "notes", "internal_notes", "consent_policy_version", "consent_at",
              "consent_ip", "created_by", "created_at", "updated_by", "updated_at", "version"]
    readonly_fields = [f for f in fields if f not in ("notes", "internal_notes")]
    inlines = [BookingEquipmentInline, BookingTransitionInline]
    actions = ["confirm_selected", "mark_paid"]

    @admin.display(description="Client phone")
    def client_phone_display(self, booking):
        return booking.client_phone_display

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        booking_update(booking=obj, version=obj.version, by=request.user, notes=obj.notes,
                       internal_notes=obj.internal_notes)

    def _each(self, request, queryset, operation, done: str):
        count = 0
        for booking in queryset:
            try:
                operation(booking)
                count += 1
            except (BookingError, ValidationError) as error:
                self.message_user(request, f"{booking.reference}: {error_text(error)}", messages.WARNING)
        if count:
            self.message_user(request, f"{count} booking(s) {done}.", messages.SUCCESS)

    @admin.action(description="Confirm selected bookings")
    def confirm_selected(self, request, queryset):
        self._each(request, queryset, lambda b: booking_transition(booking=b, to=models.BookingState.CONFIRMED,
                                                                   by=request.user), "confirmed")

    @admin.action(description="Mark selected bookings paid")
    def mark_paid(self, request, queryset):
        self._each(request, queryset, lambda b: booking_set_payment(booking=b, status=models.PaymentStatus.PAID,
                                                                    by=request.user), "marked paid")


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
