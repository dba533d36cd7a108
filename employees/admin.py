from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from .models import Employee


@admin.register(Employee)
class EmployeeAdmin(UserAdmin):
    list_display = ["username", "full_name", "email", "role", "status", "department", "last_activity"]
    list_filter = ["role", "status", "department"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["full_name"]
    readonly_fields = ["employee_id", "last_login", "last_activity", "date_joined"]
    fieldsets = [
        (None, {"fields": ["employee_id", "username", "password"]}),
        ("Person", {"fields": ["full_name", "email", "phone", "department"]}),
        ("Access", {"fields": ["role", "status"]}),
        ("Activity", {"fields": ["last_login", "last_activity", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "full_name", "email", "role", "password1", "password2"]}),
    ]


def staff_sign_in(request, extra_context=None):
    """The admin signs in through the staff sign-in, so the second factor and lockouts apply there too."""
    if request.user.is_authenticated:
        # Signed in but not allowed in the admin (a manager): say so rather than loop back to sign-in.
        raise PermissionDenied
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"))


admin.site.login = staff_sign_in
