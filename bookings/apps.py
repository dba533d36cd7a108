from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        from auditlog.registry import auditlog

        from . import free_hours_cache, hours, models, receivers, signals

        signals.booking_created.connect(receivers.booking_created, dispatch_uid="bookings.metrics.created")
        signals.booking_state_changed.connect(receivers.booking_state_changed,
                                              dispatch_uid="bookings.metrics.state_changed")

        personal = ["client_phone", "client_email"]
        auditlog.register(models.Space)
        auditlog.register(models.SpaceRate)
        auditlog.register(models.Equipment)
        auditlog.register(models.PromoCode, exclude_fields=["times_used"])
        auditlog.register(models.CalendarBlock)
        auditlog.register(models.OpeningHours)
        auditlog.register(models.SpecialDay)
        hours.connect_receivers()
        free_hours_cache.connect_receivers()
        auditlog.register(models.Client, mask_fields=["phone", "email"],
                          exclude_fields=["phone_index", "search_name", "phone_tail_index", "email_index"])
        auditlog.register(
            models.Booking,
            mask_fields=personal,
            # card_position: the board's order, not the booking's; auditlog would read it for every booking made.
            exclude_fields=["client_phone_index", "client_email_index", "occupied_until", "version", "updated_at",
                            "card_position"],
            m2m_fields={"equipment"},
        )
