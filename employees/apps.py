from django.apps import AppConfig


class EmployeesConfig(AppConfig):
    name = "employees"
    verbose_name = "Employees"

    def ready(self):
        from auditlog.registry import auditlog

        from . import receivers  # noqa: F401
        from .models import Employee

        auditlog.register(Employee, exclude_fields=["password", "last_login", "last_activity"])
