from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KanbanConfig(AppConfig):
    name = "kanban"
    verbose_name = _("Kanban board")

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from bookings.signals import booking_created, booking_state_changed, booking_updated
        from employees.signals import staff_access_changed

        from . import receivers

        booking_created.connect(receivers.booking_changed, dispatch_uid="kanban.booking_created")
        booking_updated.connect(receivers.booking_changed, dispatch_uid="kanban.booking_updated")
        booking_state_changed.connect(receivers.booking_changed, dispatch_uid="kanban.booking_state_changed")
        staff_access_changed.connect(receivers.staff_access_changed, dispatch_uid="kanban.staff_access_changed")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="kanban.signed_out")
