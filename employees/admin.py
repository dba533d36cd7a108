from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings.access import assigned_spaces

from .models import Employee, EmployeeStatus
from .services import EmployeeActionRefused, employee_deactivate, employee_reactivate, employee_update
from .signals import staff_access_changed_on_commit

REFUSAL_KEY = "employee_refusal"


@admin.register(Employee)
class EmployeeAdmin(UserAdmin):
    list_display = ["username", "full_name", "email", "role", "status", "department", "language", "last_activity"]
    list_filter = ["role", "status", "department", "language"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["full_name"]
    readonly_fields = ["employee_id", "last_login", "last_activity", "date_joined"]
    fieldsets = [
        (None, {"fields": ["employee_id", "username", "password"]}),
        (_("Person"), {"fields": ["full_name", "email", "phone", "department", "language"]}),
        (_("Access"), {"fields": ["role", "status"]}),
        (_("Activity"), {"fields": ["last_login", "last_activity", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": [
            "username", "full_name", "email", "role", "language", "password1", "password2",
        ]}),
    ]

    def save_model(self, request, obj, form, change):
        """Role and status changes go through the services, so the last-owner rule holds here too and a
        deactivated employee is signed out everywhere. A refusal undoes the whole change."""
        if not change:
            # The password an owner types here is one the employee must replace at first sign-in.
            obj.must_change_password = True
            super().save_model(request, obj, form, change)
            return
        role, status = obj.role, obj.status
        obj.role, obj.status = form.initial["role"], form.initial["status"]
        try:
            with transaction.atomic():
                if role != obj.role:
                    employee_update(employee=obj, by=request.user, role=role, spaces=assigned_spaces(obj))
                else:
                    obj.save()
                if status != obj.status:
                    self._change_status(request, obj, status)
        except EmployeeActionRefused as refusal:
            setattr(request, REFUSAL_KEY, True)
            self.message_user(request, str(refusal), messages.ERROR)

    @staticmethod
    def _change_status(request, employee, status):
        if status == EmployeeStatus.DEACTIVATED:
            employee_deactivate(employee=employee, by=request.user)
            return
        if employee.status == EmployeeStatus.DEACTIVATED:
            employee_reactivate(employee=employee, by=request.user)
        if employee.status != status:
            employee.status = status
            employee.save(update_fields=["status"])

    def user_change_password(self, request, id, form_url=""):
        """A password an owner sets for someone else is temporary, as on the employee page."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            Employee.objects.filter(pk=id).update(must_change_password=True)
            # Their sessions belong to the old password: open live pages check again, and close.
            staff_access_changed_on_commit(employee=Employee.objects.get(pk=id))
        return response

    def log_change(self, request, obj, message):
        if getattr(request, REFUSAL_KEY, False):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if getattr(request, REFUSAL_KEY, False):
            # Back to the unchanged form with the reason, rather than "changed successfully".
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)


def staff_sign_in(request, extra_context=None):
    """The admin signs in through the staff sign-in, so the second factor and lockouts apply there too."""
    if request.user.is_authenticated:
        # Signed in but not allowed in the admin (a manager): say so rather than loop back to sign-in.
        raise PermissionDenied
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))


admin.site.login = staff_sign_in
