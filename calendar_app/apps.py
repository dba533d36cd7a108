from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarAppConfig(AppConfig):
    name = "calendar_app"
    verbose_name = _("Calendar")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from bookings.signals import block_changed, booking_created, booking_state_changed, booking_updated
        from employees.signals import staff_access_changed

        from . import receivers

        booking_created.connect(receivers.booking_changed, dispatch_uid="calendar_booking_created")
        booking_updated.connect(receivers.booking_changed, dispatch_uid="calendar_booking_updated")
        booking_state_changed.connect(receivers.booking_changed, dispatch_uid="calendar_booking_state_changed")
        block_changed.connect(receivers.block_changed, dispatch_uid="calendar_block_changed")
        staff_access_changed.connect(receivers.staff_access_changed, dispatch_uid="calendar_staff_access_changed")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="calendar_signed_out")
