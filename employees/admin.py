from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

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
