from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from auditlog.registry import auditlog
        from django.conf import settings
        from django.core.signals import request_started

        from bookings.signals import booking_recorded

        from . import background, models, receivers

        booking_recorded.connect(receivers.booking_recorded, dispatch_uid="notifications.booking_recorded")
        # Who linked which Telegram account (it confirms bookings as them) and who asked for which emails.
        auditlog.register(models.StaffNotificationSettings)
        if settings.JOBS_IN_SERVER_PROCESS:
            request_started.connect(background.start_scheduler, dispatch_uid="notifications.scheduler")
