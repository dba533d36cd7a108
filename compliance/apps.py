from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Compliance")

    def ready(self):
        from auditlog.models import LogEntry
        from auditlog.registry import auditlog
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import pre_save

        from employees.signals import access_denied
        from notifications import emails

        from . import models, notices, receivers, signals

        user_logged_in.connect(receivers.signed_in, dispatch_uid="compliance.signed_in")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="compliance.sign_in_failed")
        user_locked_out.connect(receivers.locked_out, dispatch_uid="compliance.locked_out")
        access_denied.connect(receivers.access_denied, dispatch_uid="compliance.access_denied")
        pre_save.connect(receivers.audit_entry_without_contact_details, sender=LogEntry,
                         dispatch_uid="compliance.audit_entry_without_contact_details")
        signals.data_request_completed.connect(receivers.data_request_completed,
                                               dispatch_uid="compliance.data_request_completed")
        emails.OTHER_GUEST_TEXTS.update(dict.fromkeys(notices.KINDS.values(), notices.guest_texts))
        # Who published which privacy policy, and who answered which request.
        auditlog.register(models.PolicyVersion)
        auditlog.register(models.DataRequest, exclude_fields=["phone_index", "email_hash"])
