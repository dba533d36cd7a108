from django.apps import AppConfig


class KanbanConfig(AppConfig):
    name = "kanban"
    verbose_name = "Kanban board"

    def ready(self):
        from bookings.signals import booking_created, booking_state_changed, booking_updated

        from . import receivers

        booking_created.connect(receivers.booking_changed, dispatch_uid="kanban.booking_created")
        booking_updated.connect(receivers.booking_changed, dispatch_uid="kanban.booking_updated")
        booking_state_changed.connect(receivers.booking_changed, dispatch_uid="kanban.booking_state_changed")
