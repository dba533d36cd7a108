from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EmployeesConfig(AppConfig):
    name = "employees"
    verbose_name = _("Employees")

    def ready(self):
        from auditlog.registry import auditlog

        from . import receivers
        from .models import Employee

        auditlog.register(Employee, exclude_fields=["password", "last_login", "last_activity"],
                          mask_fields=["email", "phone"])
        # A receiver rather than a data migration: permissions are created after migrations run
        # (post_migrate), so a migration on a fresh database would find none to grant.
        post_migrate.connect(receivers.ensure_admins_group, sender=self, dispatch_uid="employees.admins_group")
