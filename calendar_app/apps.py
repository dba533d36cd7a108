from django.apps import AppConfig


class CalendarAppConfig(AppConfig):
    name = "calendar_app"
    verbose_name = "Calendar"

    def ready(self):
        from bookings.signals import block_changed, booking_created, booking_state_changed, booking_updated

        from . import receivers

        booking_created.connect(receivers.booking_changed, dispatch_uid="calendar_booking_created")
        booking_updated.connect(receivers.booking_changed, dispatch_uid="calendar_booking_updated")
        booking_state_changed.connect(receivers.booking_changed, dispatch_uid="calendar_booking_state_changed")
        block_changed.connect(receivers.block_changed, dispatch_uid="calendar_block_changed")
